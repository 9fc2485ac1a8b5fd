import type { JustificationFileType } from './absence.table.ts';

export interface DetectedFileType {
  /** The accepted type, or null when the content is none of PDF, JPEG, PNG. */
  accepted: JustificationFileType | null;
  /** What the content looks like, in words (named in the refusal). */
  description: string;
}

const startsWith = (buf: Buffer, sig: number[] | string, offset = 0) => {
  const bytes = typeof sig === 'string' ? Buffer.from(sig, 'latin1') : Buffer.from(sig);
  return buf.length >= offset + bytes.length && buf.subarray(offset, offset + bytes.length).equals(bytes);
};

/**
 * The type of a file from its first bytes (magic numbers), never from its
 * name or declared type: %PDF- (PDF), FF D8 FF (JPEG), 89 50 4E 47 0D 0A 1A 0A
 * (PNG) are accepted; anything else is described so the refusal can say what
 * was found.
 */
export function detectFileType(buf: Buffer): DetectedFileType {
  if (startsWith(buf, '%PDF-')) return { accepted: 'application/pdf', description: 'PDF document' };
  if (startsWith(buf, [0xff, 0xd8, 0xff])) return { accepted: 'image/jpeg', description: 'JPEG image' };
  if (startsWith(buf, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { accepted: 'image/png', description: 'PNG image' };
  if (buf.length === 0) return { accepted: null, description: 'an empty file' };
  if (startsWith(buf, 'MZ')) return { accepted: null, description: 'a Windows executable (MZ)' };
  if (startsWith(buf, [0x7f, 0x45, 0x4c, 0x46])) return { accepted: null, description: 'an ELF executable' };
  if (startsWith(buf, [0x50, 0x4b, 0x03, 0x04])) return { accepted: null, description: 'a ZIP archive (or an Office document)' };
  if (startsWith(buf, 'GIF87a') || startsWith(buf, 'GIF89a')) return { accepted: null, description: 'a GIF image' };
  if (startsWith(buf, 'RIFF') && startsWith(buf, 'WEBP', 8)) return { accepted: null, description: 'a WebP image' };
  if (startsWith(buf, [0xd0, 0xcf, 0x11, 0xe0])) return { accepted: null, description: 'a legacy Office document' };
  const head = buf.subarray(0, 512).toString('utf8').replace(/^\uFEFF/, '').trimStart().toLowerCase();
  if (head.startsWith('<!doctype html') || head.startsWith('<html') || /^<(head|body|script|iframe|svg)\b/.test(head)) return { accepted: null, description: 'an HTML document' };
  if (head.startsWith('<?xml') || head.startsWith('<svg')) return { accepted: null, description: 'an XML/SVG document' };
  if (head.startsWith('#!')) return { accepted: null, description: 'a script' };
  const sample = buf.subarray(0, 512);
  const printable = sample.filter((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 128).length;
  if (printable === sample.length) return { accepted: null, description: 'a text file' };
  return { accepted: null, description: 'an unrecognised binary file' };
}

export const EXTENSION_OF: Record<JustificationFileType, string> = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png' };
