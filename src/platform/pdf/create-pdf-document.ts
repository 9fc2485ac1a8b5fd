import fontkit from '@pdf-lib/fontkit';
import { PDFDict, PDFDocument, type PDFFont, PDFHexString, PDFName } from 'pdf-lib';
import { type FallbackName, fallbacksNeeded, type FontFace, getFallbackBytes, getFontBytes, registerFallbacks, stringsIn } from './fonts.ts';

/** The Info dictionary key holding the evidence log's latest batch when the document was issued. */
export const PDF_ANCHOR_KEY = 'EmargeEvidenceAnchor';

export interface CreatePdfDocumentInput {
  title: string;
  /** Who the document is about or from (e.g. the organisation's name). */
  author?: string;
  subject?: string;
  /** Set it for reproducible output; defaults to now. */
  creationDate?: Date;
  /** BCP 47 language of the text; French by default. */
  language?: string;
  /** The evidence log's latest batch when the document is issued (JSON), kept in the Info dictionary for `emarge verify PDF`. */
  evidenceAnchor?: string | undefined;
  /**
   * What the document will draw (any value: its strings are read, buffers
   * skipped): the fallback fonts for scripts DejaVu lacks are embedded only
   * when some string needs them.
   */
  text?: unknown;
}

export interface PdfDocumentWithFonts {
  pdf: PDFDocument;
  /** Embedded (subset) Unicode fonts: draw any text with them (through drawLine / textRuns for non-Latin scripts). */
  fonts: Record<FontFace, PDFFont>;
  /** The fallback fonts embedded (empty for Latin-only text). */
  fallbacks: FallbackName[];
}

let subsetPatched = false;

/**
 * fontkit, with each font parsed once per process: pdf-lib parses the bytes
 * it is given for every document (three DejaVu faces, 10 MB per CJK face),
 * and the font bytes here are read once and kept, so their parse can be too.
 * A parsed font is only read from (each embedding makes its own subset).
 */
const parsed = new WeakMap<Uint8Array, ReturnType<typeof fontkit.create>>();
const cachingFontkit: typeof fontkit = {
  create(bytes: Uint8Array, postscriptName?: string) {
    if (postscriptName !== undefined) return fontkit.create(bytes as Buffer, postscriptName);
    let font = parsed.get(bytes);
    if (!font) parsed.set(bytes, (font = fontkit.create(bytes as Buffer)));
    return font;
  },
} as typeof fontkit;

/**
 * fontkit 1.x (as bundled by pdf-lib) writes a subset's glyphs back to back
 * and then picks the short `loca` format, which stores offsets / 2: a glyph of
 * odd length shifts every glyph after it, and readers draw nothing for them.
 * DejaVu's glyphs all have even lengths; Noto Sans SC's do not. Padding each
 * glyph to an even length (as the TrueType spec recommends) fixes both formats.
 */
function patchSubsetGlyphAlignment(): void {
  if (subsetPatched) return;
  subsetPatched = true;
  const probe = fontkit.create(getFontBytes('regular') as Buffer) as unknown as { createSubset(): object };
  const proto = Object.getPrototypeOf(probe.createSubset()) as { _addGlyph?: (gid: number) => number };
  const original = proto._addGlyph;
  if (typeof original !== 'function') return;
  proto._addGlyph = function (this: { glyf: Uint8Array[]; offset: number }, gid: number) {
    const index = original.call(this, gid);
    const glyph = this.glyf[index]!;
    if (glyph.length % 2 === 1) {
      // fontkit's own Buffer (a polyfill in its bundle): its encoder refuses others.
      const Ctor = glyph.constructor as { alloc?: (n: number) => Uint8Array } & (new (n: number) => Uint8Array);
      const padded = typeof Ctor.alloc === 'function' ? Ctor.alloc(glyph.length + 1) : new Ctor(glyph.length + 1);
      padded.set(glyph);
      this.glyf[index] = padded;
      this.offset += 1;
    }
    return index;
  };
}

/**
 * A new PDF with Emarge's metadata and the Unicode fonts embedded, so that
 * sheet and certificate renderers only draw text. Fonts are subset: only the
 * glyphs used end up in the file. Save with `pdf.save({ useObjectStreams: false })`
 * before sealing (sealPdf does that itself when given the bytes).
 */
export async function createPdfDocument(input: CreatePdfDocumentInput): Promise<PdfDocumentWithFonts> {
  patchSubsetGlyphAlignment();
  const pdf = await PDFDocument.create({ updateMetadata: false });
  pdf.registerFontkit(cachingFontkit);
  const date = input.creationDate ?? new Date();
  pdf.setTitle(input.title, { showInWindowTitleBar: true });
  if (input.author !== undefined) pdf.setAuthor(input.author);
  if (input.subject !== undefined) pdf.setSubject(input.subject);
  pdf.setCreator('Emarge');
  pdf.setProducer('Emarge (pdf-lib)');
  pdf.setCreationDate(date);
  pdf.setModificationDate(date);
  pdf.setLanguage(input.language ?? 'fr-FR');
  if (input.evidenceAnchor !== undefined) pdf.context.lookup(pdf.context.trailerInfo.Info, PDFDict).set(PDFName.of(PDF_ANCHOR_KEY), PDFHexString.fromText(input.evidenceAnchor));
  const [regular, bold, italic] = await Promise.all([
    pdf.embedFont(getFontBytes('regular'), { subset: true }),
    pdf.embedFont(getFontBytes('bold'), { subset: true }),
    pdf.embedFont(getFontBytes('italic'), { subset: true }),
  ]);
  const fonts = { regular, bold, italic };
  const fallbacks = fallbacksNeeded([input.title, input.author ?? '', input.subject ?? '', ...stringsIn(input.text)]);
  if (fallbacks.length) {
    const embedded = await Promise.all(
      fallbacks.map(async (name) => ({
        name,
        regular: await pdf.embedFont(getFallbackBytes(name, 'regular'), { subset: true }),
        bold: await pdf.embedFont(getFallbackBytes(name, 'bold'), { subset: true }),
      })),
    );
    for (const face of ['regular', 'bold', 'italic'] as const) {
      registerFallbacks(fonts[face], face, embedded.map((e) => ({ name: e.name, font: face === 'bold' ? e.bold : e.regular })));
    }
  }
  return { pdf, fonts, fallbacks };
}
