/**
 * A minimal DER (ASN.1 Distinguished Encoding Rules) writer and reader: just
 * enough to build and check the CMS SignedData inside a PDF seal. Reading
 * returns byte slices of the original input so that signatures can be checked
 * over the exact bytes that were signed (never over a re-encoding).
 */

export const TAG = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV with the given tag byte and content. */
export function derTlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export function derSequence(...items: Uint8Array[]): Buffer {
  return derTlv(TAG.sequence, Buffer.concat(items));
}

/** A SET OF: DER requires the encoded elements in ascending byte order. */
export function derSetOf(...items: Uint8Array[]): Buffer {
  const sorted = [...items].map((i) => Buffer.from(i)).sort(Buffer.compare);
  return derTlv(TAG.set, Buffer.concat(sorted));
}

export function derOctetString(bytes: Uint8Array): Buffer {
  return derTlv(TAG.octetString, bytes);
}

export function derNull(): Buffer {
  return Buffer.from([TAG.null, 0]);
}

/** A small non-negative INTEGER. */
export function derSmallInteger(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 127) throw new RangeError('derSmallInteger takes 0..127');
  return derTlv(TAG.integer, Buffer.from([n]));
}

export function derOid(oid: string): Buffer {
  const parts = oid.split('.').map((p) => Number(p));
  const [first, second, ...rest] = parts;
  if (first === undefined || second === undefined) throw new RangeError(`bad OID ${oid}`);
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const chunk: number[] = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift((n & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return derTlv(TAG.oid, Buffer.from(bytes));
}

/** Context-specific constructed tag [n] (EXPLICIT wrapping, or IMPLICIT for a constructed type). */
export function derContext(n: number, content: Uint8Array): Buffer {
  return derTlv(0xa0 | n, content);
}

/** A decoded TLV: `bytes` is the whole element, `content` its value; both are views of the input. */
export interface DerNode {
  tag: number;
  bytes: Buffer;
  content: Buffer;
}

/** Reads one TLV at `offset`. Throws RangeError on truncated or non-DER lengths. */
export function readDer(input: Buffer, offset = 0): DerNode {
  if (offset + 2 > input.length) throw new RangeError('truncated DER element');
  const tag = input[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new RangeError('multi-byte DER tags are not supported');
  const first = input[offset + 1]!;
  let length: number;
  let header: number;
  if (first < 0x80) {
    length = first;
    header = 2;
  } else {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new RangeError('unsupported DER length');
    if (offset + 2 + count > input.length) throw new RangeError('truncated DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + input[offset + 2 + i]!;
    header = 2 + count;
  }
  const end = offset + header + length;
  if (end > input.length) throw new RangeError('truncated DER element');
  return { tag, bytes: input.subarray(offset, end), content: input.subarray(offset + header, end) };
}

/** The elements inside a constructed node's content. */
export function readChildren(node: DerNode): DerNode[] {
  const children: DerNode[] = [];
  let offset = 0;
  while (offset < node.content.length) {
    const child = readDer(node.content, offset);
    children.push(child);
    offset += child.bytes.length;
  }
  return children;
}

export function decodeOid(node: DerNode): string {
  if (node.tag !== TAG.oid) throw new RangeError('expected an OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let value = 0;
  for (const byte of node.content) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    }
  }
  const [head, ...rest] = arcs;
  if (head === undefined) throw new RangeError('empty OBJECT IDENTIFIER');
  const first = head < 80 ? Math.floor(head / 40) : 2;
  return [first, head - first * 40, ...rest].join('.');
}
