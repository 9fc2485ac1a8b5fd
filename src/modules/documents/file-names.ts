/**
 * Download names that keep the reader's letters: "certificat-martin-léa-…pdf"
 * in Content-Disposition's filename* (RFC 6266 / RFC 5987, UTF-8) and in ZIP
 * entries (fflate sets the UTF-8 language-encoding flag, bit 11, on any
 * non-ASCII name), with an ASCII fallback ("martin-lea") for old clients.
 */

/** Lower-case words joined by '-', letters of any script and digits kept, accents included. */
export function fileSlug(text: string, fallback = 'document'): string {
  const slug = text
    .normalize('NFC')
    .toLocaleLowerCase('fr-FR')
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
  return slug || fallback;
}

/** The same name in ASCII: accents dropped (é → e, œ → oe), other letters replaced by '-'. */
export function asciiFileName(name: string): string {
  const ascii = name
    .replace(/œ/g, 'oe')
    .replace(/Œ/g, 'OE')
    .replace(/æ/g, 'ae')
    .replace(/Æ/g, 'AE')
    .replace(/ß/g, 'ss')
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-(?=\.)/g, '');
  return ascii || 'document';
}

/** RFC 5987 value: UTF-8 percent-encoded, attr-char kept as is. */
function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `attachment; filename="ascii.pdf"; filename*=UTF-8''utf-8.pdf` (the second only when the name is not ASCII). */
export function contentDisposition(fileName: string): string {
  const ascii = asciiFileName(fileName);
  const base = `attachment; filename="${ascii}"`;
  return ascii === fileName ? base : `${base}; filename*=UTF-8''${encodeRfc5987(fileName.normalize('NFC'))}`;
}
