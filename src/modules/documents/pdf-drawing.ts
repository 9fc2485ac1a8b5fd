import { degrees, type PDFFont, type PDFImage, type PDFPage, rgb } from 'pdf-lib';
import QRCode from 'qrcode';
import { textRuns, textWidth, wrapText } from '../../platform/pdf/fonts.ts';

/** Small drawing helpers shared by the sheet and certificate renderers (pdf-lib, points, origin bottom-left). */

export const BLACK = rgb(0, 0, 0);
export const GREY = rgb(0.4, 0.4, 0.4);
export const LIGHT = rgb(0.85, 0.85, 0.85);
export const RED = rgb(0.75, 0.05, 0.05);
export const DRAFT_RED = rgb(0.9, 0.2, 0.2);

/**
 * Draws a QR code as vector rectangles (no image), dark modules merged into
 * horizontal runs, with the standard 4-module quiet zone inside `size`.
 */
export function drawQrCode(page: PDFPage, text: string, x: number, y: number, size: number): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const quiet = 4;
  const cell = size / (n + 2 * quiet);
  page.drawRectangle({ x, y, width: size, height: size, color: rgb(1, 1, 1) });
  for (let row = 0; row < n; row++) {
    let col = 0;
    while (col < n) {
      if (!qr.modules.get(row, col)) {
        col++;
        continue;
      }
      let end = col;
      while (end < n && qr.modules.get(row, end)) end++;
      page.drawRectangle({
        x: x + (quiet + col) * cell,
        y: y + size - (quiet + row + 1) * cell,
        width: (end - col) * cell,
        height: cell,
        color: BLACK,
      });
      col = end;
    }
  }
}

/** Width of text at a size (cached per-character advances, fallback fonts included). */
export function approxWidth(text: string, font: PDFFont, size: number): number {
  return textWidth(text, font, size);
}

/** Cuts text (with an ellipsis) so it fits maxWidth at the given size (2 % margin for kerning). */
export function fitText(text: string, font: PDFFont, size: number, maxWidth: number): string {
  const limit = maxWidth * 0.98;
  if (approxWidth(text, font, size) <= limit) return text;
  const chars = [...text];
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (approxWidth(`${chars.slice(0, mid).join('')}…`, font, size) <= limit) lo = mid;
    else hi = mid - 1;
  }
  return `${chars.slice(0, lo).join('')}…`;
}

export interface TextOptions {
  font: PDFFont;
  size: number;
  color?: ReturnType<typeof rgb>;
  maxWidth?: number;
}

/** One line of text, cut to maxWidth when given; letters DejaVu lacks are drawn with the fallback fonts. */
export function drawLine(page: PDFPage, text: string, x: number, y: number, o: TextOptions): void {
  const value = o.maxWidth !== undefined ? fitText(text, o.font, o.size, o.maxWidth) : text;
  const color = o.color ?? BLACK;
  const runs = textRuns(value, o.font);
  if (runs.length === 1) {
    page.drawText(value, { x, y, font: runs[0]!.font, size: o.size, color });
    return;
  }
  let at = x;
  for (const run of runs) {
    page.drawText(run.text, { x: at, y, font: run.font, size: o.size, color });
    at += textWidth(run.text, run.font, o.size);
  }
}

/** Line height used by the wrapped text helpers. */
export const leading = (size: number) => size * 1.22;

/** The lines text wraps into within width (never cut). */
export function wrapLines(text: string, font: PDFFont, size: number, width: number): string[] {
  return wrapText(text, font, size, width);
}

/** Height of text wrapped within width. */
export function wrappedHeight(text: string, font: PDFFont, size: number, width: number): number {
  return wrapLines(text, font, size, width).length * leading(size);
}

/**
 * Text wrapped within width, first baseline one size below `top`, each next
 * line `leading(size)` lower; returns the height used. Nothing is cut.
 */
export function drawWrapped(page: PDFPage, text: string, x: number, top: number, width: number, o: Omit<TextOptions, 'maxWidth'>): number {
  const lines = wrapLines(text, o.font, o.size, width);
  const step = leading(o.size);
  lines.forEach((line, i) => drawLine(page, line, x, top - o.size - i * step, o));
  return lines.length * step;
}

/** The big diagonal "PROVISOIRE / DRAFT" mark of a sheet that is not locked yet. */
export function drawDraftMark(page: PDFPage, font: PDFFont, text: string): void {
  const { width, height } = page.getSize();
  const size = Math.min(width, height) / 9;
  const textWidth = font.widthOfTextAtSize(text, size);
  const angle = Math.atan2(height, width);
  const cx = width / 2 - (Math.cos(angle) * textWidth) / 2 + (Math.sin(angle) * size) / 3;
  const cy = height / 2 - (Math.sin(angle) * textWidth) / 2 - (Math.cos(angle) * size) / 3;
  page.drawText(text, { x: cx, y: cy, size, font, color: DRAFT_RED, opacity: 0.18, rotate: degrees((angle * 180) / Math.PI) });
}

/** Draws an image scaled to fit a box, centred, keeping its aspect ratio. */
export function drawImageInBox(page: PDFPage, image: PDFImage, x: number, y: number, width: number, height: number): void {
  const scale = Math.min(width / image.width, height / image.height);
  const w = image.width * scale;
  const h = image.height * scale;
  page.drawImage(image, { x: x + (width - w) / 2, y: y + (height - h) / 2, width: w, height: h });
}

export function hline(page: PDFPage, x1: number, x2: number, y: number, thickness = 0.5, color = LIGHT): void {
  page.drawLine({ start: { x: x1, y }, end: { x: x2, y }, thickness, color });
}
