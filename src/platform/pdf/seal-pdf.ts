import { createHash } from 'node:crypto';
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFNumber, PDFString } from 'pdf-lib';
import { buildSignedData } from './cms.ts';
import { type Pkcs12Contents, readPkcs12 } from './read-pkcs12.ts';

export interface SealPdfOptions {
  /** The organisation's PKCS#12 (see generateSealCertificate) and its passphrase. */
  p12: Uint8Array;
  passphrase: string;
  /** Why the document is sealed, e.g. "Feuille d'émargement scellée par Emarge". */
  reason: string;
  location?: string;
  contactInfo?: string;
  /** Name of the sealing party (the organisation); defaults to the certificate's. */
  name?: string;
  /** Server time of the seal, written as the signature dictionary's /M. */
  signingTime: Date;
}

/** Thrown when the input cannot be sealed (already signed, unreadable). */
export class SealPdfError extends Error {
  override name = 'SealPdfError';
}

const BYTE_RANGE_PLACEHOLDER = 9_999_999_999;
const SUB_FILTER = 'ETSI.CAdES.detached';

/**
 * Seals a PDF with the organisation's certificate: a PAdES baseline B-B
 * signature (SubFilter ETSI.CAdES.detached; CMS with content-type,
 * message-digest and signing-certificate-v2; SHA-256), in an invisible
 * signature field on page 1.
 * The document is rewritten once (no object streams) and then signed over
 * every byte except the signature value itself, so any later change shows.
 *
 * Not for documents that already carry a signature: rewriting would break it.
 */
export async function sealPdf(pdfBytes: Uint8Array, options: SealPdfOptions): Promise<Buffer> {
  if (Buffer.from(pdfBytes.buffer, pdfBytes.byteOffset, pdfBytes.byteLength).includes('/ByteRange')) {
    throw new SealPdfError('this PDF is already signed; sealing it again would invalidate that signature');
  }
  const { privateKey, certificate, chain } = openPkcs12(options.p12, options.passphrase);

  // The exact size of the CMS is known in advance (it depends only on key and
  // certificate sizes), so reserve it precisely: a dry run with a zero digest.
  const cmsLength = buildSignedData({ contentDigest: Buffer.alloc(32), certificate, chain, privateKey }).length;
  const contentsLength = cmsLength + 32;

  let pdf: PDFDocument;
  try {
    pdf = await PDFDocument.load(pdfBytes, { updateMetadata: false });
  } catch (error) {
    throw new SealPdfError(`cannot read the PDF: ${(error as Error).message}`);
  }
  const page = pdf.getPages()[0];
  if (!page) throw new SealPdfError('the PDF has no page');
  const { context } = pdf;

  const signature = context.obj({
    Type: 'Sig',
    Filter: 'Adobe.PPKLite',
    SubFilter: SUB_FILTER,
    ByteRange: [0, BYTE_RANGE_PLACEHOLDER, BYTE_RANGE_PLACEHOLDER, BYTE_RANGE_PLACEHOLDER].map((n) => PDFNumber.of(n)),
    Contents: PDFHexString.of('0'.repeat(contentsLength * 2)),
    M: PDFString.fromDate(options.signingTime),
    Reason: PDFHexString.fromText(options.reason),
    ...(options.name !== undefined ? { Name: PDFHexString.fromText(options.name) } : {}),
    ...(options.location !== undefined ? { Location: PDFHexString.fromText(options.location) } : {}),
    ...(options.contactInfo !== undefined ? { ContactInfo: PDFHexString.fromText(options.contactInfo) } : {}),
  });
  const signatureRef = context.register(signature);

  const existingForm = pdf.catalog.lookupMaybe(PDFName.of('AcroForm'), PDFDict);
  const fieldCount = existingForm?.lookupMaybe(PDFName.of('Fields'), PDFArray)?.size() ?? 0;
  const widget = context.obj({
    Type: 'Annot',
    Subtype: 'Widget',
    FT: 'Sig',
    Rect: [0, 0, 0, 0],
    V: signatureRef,
    T: PDFHexString.fromText(`Seal ${fieldCount + 1}`),
    F: 132, // Print + Locked
    P: page.ref,
  });
  const widgetRef = context.register(widget);
  page.node.addAnnot(widgetRef);
  if (existingForm) {
    const fields = existingForm.lookupMaybe(PDFName.of('Fields'), PDFArray);
    if (fields) fields.push(widgetRef);
    else existingForm.set(PDFName.of('Fields'), context.obj([widgetRef]));
    existingForm.set(PDFName.of('SigFlags'), PDFNumber.of(3));
  } else {
    pdf.catalog.set(PDFName.of('AcroForm'), context.obj({ Fields: [widgetRef], SigFlags: 3 }));
  }

  const out = Buffer.from(await pdf.save({ useObjectStreams: false }));

  // Locate the placeholders in the serialised file.
  const placeholder = `${BYTE_RANGE_PLACEHOLDER} ${BYTE_RANGE_PLACEHOLDER} ${BYTE_RANGE_PLACEHOLDER}`;
  const rangeValuesAt = out.lastIndexOf(`0 ${placeholder}`);
  const contentsAt = out.lastIndexOf(`<${'0'.repeat(contentsLength * 2)}>`);
  if (rangeValuesAt < 0 || contentsAt < 0) throw new SealPdfError('signature placeholders not found after saving');
  const contentsEnd = contentsAt + contentsLength * 2 + 2;
  const byteRange = [0, contentsAt, contentsEnd, out.length - contentsEnd];
  const rangeText = byteRange.join(' ');
  const placeholderLength = placeholder.length + 2;
  if (rangeText.length > placeholderLength) throw new SealPdfError('document too large for the ByteRange placeholder');
  out.write(rangeText.padEnd(placeholderLength, ' '), rangeValuesAt, 'latin1');

  const digest = createHash('sha256')
    .update(out.subarray(0, contentsAt))
    .update(out.subarray(contentsEnd))
    .digest();
  const cms = buildSignedData({ contentDigest: digest, certificate, chain, privateKey });
  if (cms.length > contentsLength) throw new SealPdfError('signature larger than its reserved space');
  out.write(cms.toString('hex').padEnd(contentsLength * 2, '0'), contentsAt + 1, 'latin1');
  return out;
}

/**
 * Opening a PKCS#12 (key derivation, decryption, parsing) costs tens of
 * milliseconds, as much as the rest of sealing a document: a batch of 300
 * certificates opened the same file 300 times. The opened contents are kept per
 * (file, passphrase) digest for the life of the process, a few entries at most.
 */
const openedPkcs12 = new Map<string, Pkcs12Contents>();

function openPkcs12(p12: Uint8Array, passphrase: string): Pkcs12Contents {
  const key = createHash('sha256').update(p12).update('\0').update(passphrase).digest('hex');
  let contents = openedPkcs12.get(key);
  if (!contents) {
    contents = readPkcs12(p12, passphrase);
    if (openedPkcs12.size >= 16) openedPkcs12.delete(openedPkcs12.keys().next().value!);
    openedPkcs12.set(key, contents);
  }
  return contents;
}
