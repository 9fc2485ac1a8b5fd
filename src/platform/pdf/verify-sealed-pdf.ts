import { createHash } from 'node:crypto';
import { checkSignedData } from './cms.ts';
import { readDer } from './der.ts';

export interface SealSigner {
  commonName: string | null;
  organisation: string | null;
  /** The certificate subject, one `KEY=value` per line (node:crypto's format). */
  subject: string;
  /** SHA-256 of the certificate DER, lowercase hex: compare with the organisation's published fingerprint. */
  fingerprint: string;
  serialNumber: string;
  validFrom: Date;
  validTo: Date;
}

export interface SealVerification {
  /**
   * True when the bytes covered by the signature are exactly the ones signed
   * and the CMS signature verifies with the embedded certificate. Says
   * nothing about whether that certificate is trusted: compare `signer.fingerprint`.
   */
  intact: boolean;
  /** True when the signed ranges cover the whole file (nothing appended after the seal). */
  coversWholeDocument: boolean;
  signer: SealSigner | null;
  /** The seal's time: the signature dictionary's /M (or the CMS signing-time when /M is absent). */
  signingTime: Date | null;
  subFilter: string | null;
  reason: string | null;
  /** Why `intact` is false, in words; null when intact. */
  failure: string | null;
}

const BYTE_RANGE = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;

/** Decodes a PDF literal string's escapes (enough for dates and ASCII text). */
function decodeLiteral(raw: string): string {
  return raw.replace(/\\([nrtbf()\\]|[0-7]{1,3})/g, (_, e: string) => {
    const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '(': '(', ')': ')', '\\': '\\' };
    return map[e] ?? String.fromCharCode(parseInt(e, 8));
  });
}

/** Decodes a PDF text string: UTF-16BE with BOM, or PDFDocEncoding (treated as Latin-1). */
function decodeTextBytes(bytes: Buffer): string {
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  return bytes.toString('latin1');
}

function readTextEntry(dict: string, key: string): string | null {
  const hex = new RegExp(`/${key}\\s*<([0-9A-Fa-f\\s]*)>`).exec(dict);
  if (hex) return decodeTextBytes(Buffer.from(hex[1]!.replace(/\s/g, ''), 'hex'));
  const literal = new RegExp(`/${key}\\s*\\(((?:\\\\.|[^\\\\)])*)\\)`).exec(dict);
  if (literal) return decodeTextBytes(Buffer.from(decodeLiteral(literal[1]!), 'latin1'));
  return null;
}

/** Parses a PDF date `D:YYYYMMDDHHmmSSOHH'mm'` (trailing parts optional). */
export function parsePdfDate(text: string): Date | null {
  const m = /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(Z|[+-]\d{2}'?\d{2}'?|[+-]\d{2})?/.exec(text);
  if (!m) return null;
  const [y, mo = '01', d = '01', h = '00', mi = '00', s = '00'] = m.slice(1, 7);
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const zone = m[7];
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.replace(/[^0-9]/g, '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0')) * 60_000;
  }
  return new Date(ms);
}

function subjectField(subject: string, key: string): string | null {
  const line = subject.split('\n').find((l) => l.startsWith(`${key}=`));
  return line ? line.slice(key.length + 1) : null;
}

/**
 * Checks the last signature of a PDF (the seal Emarge adds is the last one):
 * recomputes the digest of the ByteRange spans, verifies the CMS signature
 * with the embedded certificate, and says whether the signature covers the
 * whole file. Never throws on a damaged or unsigned file: it reports it.
 */
export function verifySealedPdf(bytes: Uint8Array): SealVerification {
  const pdf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = pdf.toString('latin1');
  const result: SealVerification = {
    intact: false, coversWholeDocument: false, signer: null, signingTime: null, subFilter: null, reason: null, failure: null,
  };
  const matches = [...text.matchAll(BYTE_RANGE)];
  const last = matches[matches.length - 1];
  if (!last) return { ...result, failure: 'the document carries no signature' };
  const [start1, length1, start2, length2] = last.slice(1, 5).map(Number) as [number, number, number, number];

  // The signature dictionary around the ByteRange: from its object header to `endobj`.
  const objectStart = Math.max(0, text.lastIndexOf(' obj', last.index));
  const objectEnd = text.indexOf('endobj', last.index);
  const dict = text.slice(objectStart, objectEnd < 0 ? text.length : objectEnd).replace(/\/Contents\s*<[0-9A-Fa-f\s]*>/, '');
  result.subFilter = /\/SubFilter\s*\/([^\s/<>[\]()]+)/.exec(dict)?.[1] ?? null;
  result.reason = readTextEntry(dict, 'Reason');
  const m = readTextEntry(dict, 'M');
  result.signingTime = m ? parsePdfDate(m) : null;

  const end2 = start2 + length2;
  result.coversWholeDocument = start1 === 0 && end2 === pdf.length;
  const gapIsContents = start1 === 0 && start1 + length1 < start2 && end2 <= pdf.length
    && pdf[length1] === 0x3c /* < */ && pdf[start2 - 1] === 0x3e /* > */;
  if (!gapIsContents) return { ...result, coversWholeDocument: false, failure: 'the signed ranges do not frame the signature value' };

  const hex = pdf.subarray(length1 + 1, start2 - 1).toString('latin1');
  if (!/^[0-9A-Fa-f]*$/.test(hex) || hex.length % 2 !== 0) return { ...result, failure: 'the signature value is not hexadecimal' };
  const padded = Buffer.from(hex, 'hex');
  let cms: Buffer;
  try {
    cms = readDer(padded).bytes; // drops the zero padding after the DER
  } catch {
    return { ...result, failure: 'the signature value is not DER' };
  }
  const content = Buffer.concat([pdf.subarray(start1, start1 + length1), pdf.subarray(start2, end2)]);
  const check = checkSignedData(cms, content);
  if (check.signer && check.signerDer) {
    const cert = check.signer;
    result.signer = {
      commonName: subjectField(cert.subject, 'CN'),
      organisation: subjectField(cert.subject, 'O'),
      subject: cert.subject,
      fingerprint: createHash('sha256').update(check.signerDer).digest('hex'),
      serialNumber: cert.serialNumber,
      validFrom: new Date(cert.validFrom),
      validTo: new Date(cert.validTo),
    };
  }
  result.signingTime ??= check.signingTime;
  return { ...result, intact: check.valid, failure: check.failure };
}
