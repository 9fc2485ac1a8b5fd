import type { PDFDocument, PDFFont, PDFPage } from 'pdf-lib';
import type { FontFace } from '../../platform/pdf/fonts.ts';
import { textWidth, wrapText } from '../../platform/pdf/fonts.ts';
import { drawDraftMark, drawLine, GREY } from './pdf-drawing.ts';

export const A4: [number, number] = [595.28, 841.89];
export const A4_LANDSCAPE: [number, number] = [841.89, 595.28];
export const MARGIN = 36;
const FOOTER = 34;

/**
 * Pages flowing top to bottom: `ensure(h)` starts a new page when h points do
 * not fit; footers (page x/y, version, verification code) and the draft mark
 * are drawn on every page at the end, once the page count is known.
 */
export class PageFlow {
  readonly pdf: PDFDocument;
  readonly fonts: Record<FontFace, PDFFont>;
  readonly size: [number, number];
  page!: PDFPage;
  y = 0;
  readonly #onNewPage: ((flow: PageFlow) => void) | undefined;

  constructor(pdf: PDFDocument, fonts: Record<FontFace, PDFFont>, size: [number, number], onNewPage?: (flow: PageFlow) => void) {
    this.pdf = pdf;
    this.fonts = fonts;
    this.size = size;
    this.#onNewPage = onNewPage;
    this.newPage();
  }

  get width(): number {
    return this.size[0];
  }
  get contentWidth(): number {
    return this.size[0] - 2 * MARGIN;
  }
  get bottom(): number {
    return MARGIN + FOOTER;
  }

  newPage(): void {
    this.page = this.pdf.addPage(this.size);
    this.y = this.size[1] - MARGIN;
    this.#onNewPage?.(this);
  }

  /** Makes room for `height` points, on a new page when needed. */
  ensure(height: number): void {
    if (this.y - height < this.bottom) this.newPage();
  }

  /** Writes text at the margin (or at x), wrapped within the page (never cut), and moves down. */
  line(text: string, o: { face?: FontFace; size?: number; x?: number; color?: ReturnType<typeof import('pdf-lib').rgb>; gap?: number; width?: number } = {}): void {
    const size = o.size ?? 9;
    const x = o.x ?? MARGIN;
    const font = this.fonts[o.face ?? 'regular'];
    for (const part of wrapText(text, font, size, o.width ?? this.width - MARGIN - x)) {
      this.ensure(size + 3);
      this.y -= size + (o.gap ?? 3);
      drawLine(this.page, part, x, this.y, { font, size, color: o.color });
    }
  }

  /** Footers on every page (wrapped, never cut), and the draft mark when the document is provisional. */
  finish(o: { footerLeft: string; footerRight?: string; draftText?: string; pageLabel: string }): void {
    const pages = this.pdf.getPages();
    const font = this.fonts.regular;
    const size = 6.5;
    const step = 8;
    const lines = [...wrapText(o.footerLeft, font, size, this.contentWidth - 60), ...(o.footerRight ? wrapText(o.footerRight, font, size, this.contentWidth - 60) : [])];
    pages.forEach((page, i) => {
      // From just below the content's bottom edge downwards; the page number on the first line, at the right.
      let y = this.bottom - 10;
      for (const l of lines) {
        drawLine(page, l, MARGIN, y, { font, size, color: GREY });
        y -= step;
      }
      const label = `${o.pageLabel} ${i + 1}/${pages.length}`;
      drawLine(page, label, this.width - MARGIN - textWidth(label, font, size), this.bottom - 10, { font, size, color: GREY });
      if (o.draftText) drawDraftMark(page, this.fonts.bold, o.draftText);
    });
  }
}
