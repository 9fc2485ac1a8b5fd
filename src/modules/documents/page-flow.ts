import type { PDFDocument, PDFFont, PDFPage } from 'pdf-lib';
import type { FontFace } from '../../platform/pdf/fonts.ts';
import { drawDraftMark, drawLine, GREY } from './pdf-drawing.ts';

export const A4: [number, number] = [595.28, 841.89];
export const A4_LANDSCAPE: [number, number] = [841.89, 595.28];
export const MARGIN = 36;
const FOOTER = 30;

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

  /** Writes one line at the margin (or at x) and moves down. */
  line(text: string, o: { face?: FontFace; size?: number; x?: number; color?: ReturnType<typeof import('pdf-lib').rgb>; gap?: number } = {}): void {
    const size = o.size ?? 9;
    this.ensure(size + 3);
    this.y -= size + (o.gap ?? 3);
    const x = o.x ?? MARGIN;
    drawLine(this.page, text, x, this.y, { font: this.fonts[o.face ?? 'regular'], size, color: o.color, maxWidth: this.width - MARGIN - x });
  }

  /** Footers on every page, and the draft mark when the document is provisional. */
  finish(o: { footerLeft: string; footerRight?: string; draftText?: string; pageLabel: string }): void {
    const pages = this.pdf.getPages();
    pages.forEach((page, i) => {
      const font = this.fonts.regular;
      drawLine(page, o.footerLeft, MARGIN, MARGIN - 4, { font, size: 7, color: GREY, maxWidth: this.contentWidth - 70 });
      const label = `${o.pageLabel} ${i + 1}/${pages.length}`;
      drawLine(page, label, this.width - MARGIN - font.widthOfTextAtSize(label, 7), MARGIN - 4, { font, size: 7, color: GREY });
      if (o.footerRight) drawLine(page, o.footerRight, MARGIN, MARGIN - 13, { font, size: 7, color: GREY, maxWidth: this.contentWidth });
      if (o.draftText) drawDraftMark(page, this.fonts.bold, o.draftText);
    });
  }
}
