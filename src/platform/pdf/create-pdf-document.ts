import fontkit from '@pdf-lib/fontkit';
import { PDFDict, PDFDocument, type PDFFont, PDFHexString, PDFName } from 'pdf-lib';
import { getFontBytes, type FontFace } from './fonts.ts';

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
}

export interface PdfDocumentWithFonts {
  pdf: PDFDocument;
  /** Embedded (subset) Unicode fonts: draw any French text with them. */
  fonts: Record<FontFace, PDFFont>;
}

/**
 * A new PDF with Emarge's metadata and the Unicode fonts embedded, so that
 * sheet and certificate renderers only draw text. Fonts are subset: only the
 * glyphs used end up in the file. Save with `pdf.save({ useObjectStreams: false })`
 * before sealing (sealPdf does that itself when given the bytes).
 */
export async function createPdfDocument(input: CreatePdfDocumentInput): Promise<PdfDocumentWithFonts> {
  const pdf = await PDFDocument.create({ updateMetadata: false });
  pdf.registerFontkit(fontkit);
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
  return { pdf, fonts: { regular, bold, italic } };
}
