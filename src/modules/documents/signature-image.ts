import { deflateSync, inflateSync } from 'node:zlib';
import {
  concatTransformationMatrix,
  drawObject,
  type PDFDocument,
  type PDFPage,
  type PDFRef,
  popGraphicsState,
  pushGraphicsState,
} from 'pdf-lib';

/**
 * Signature PNGs (ink on a transparent background) embedded fast: the PNG is
 * inflated and unfiltered with node:zlib, and its alpha channel becomes the
 * soft mask of a 1×1 black image (the PDF allows a mask of another size than
 * its image), deflated natively. pdf-lib's own embedPng does the same work in
 * JavaScript and is about ten times slower, which matters for a weekly sheet
 * with 300 signatures or a batch. Emarge's own signature PNGs (4-bit indexed,
 * black at opacity i/15: see renderSignaturePng) need no decoding at all: their
 * compressed scanlines ARE a 4-bit soft mask (PDF's FlateDecode undoes the PNG
 * row filters with /Predictor 15), so they are copied as they are. Falls back
 * to embedPng for other PNG kinds.
 */
export interface SignatureImage {
  ref: PDFRef;
  width: number;
  height: number;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** A PNG's chunks that matter here (IHDR, PLTE, tRNS, the IDAT stream), up to IEND; null if it is not a PNG. */
function readPngChunks(png: Buffer): { ihdr: Buffer; plte: Buffer | null; trns: Buffer | null; idat: Buffer } | null {
  if (png.length < 33 || png.readUInt32BE(0) !== 0x89504e47) return null;
  let offset = 8;
  let ihdr: Buffer | null = null;
  let plte: Buffer | null = null;
  let trns: Buffer | null = null;
  const idat: Buffer[] = [];
  while (offset + 8 <= png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') ihdr = data;
    else if (type === 'PLTE') plte = data;
    else if (type === 'tRNS') trns = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  if (!ihdr || ihdr.length < 13 || idat.length === 0) return null;
  return { ihdr, plte, trns, idat: Buffer.concat(idat) };
}

/** The alpha channel of an 8-bit, non-interlaced gray+alpha or RGBA PNG; null for anything else. */
export function pngAlpha(png: Buffer): { width: number; height: number; alpha: Buffer } | null {
  const chunks = readPngChunks(png);
  if (!chunks) return null;
  const { ihdr } = chunks;
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const colorType = ihdr[9];
  if (ihdr[8] !== 8 || ihdr[12] !== 0 || (colorType !== 4 && colorType !== 6) || !width || !height) return null;
  const channels = colorType === 4 ? 2 : 4;
  const raw = inflateSync(chunks.idat);
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) return null;
  const current = Buffer.alloc(stride);
  const previous = Buffer.alloc(stride);
  const alpha = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? current[i - channels]! : 0;
      const b = previous[i]!;
      const c = i >= channels ? previous[i - channels]! : 0;
      const x = line[i]!;
      let v: number;
      switch (filter) {
        case 0: v = x; break;
        case 1: v = x + a; break;
        case 2: v = x + b; break;
        case 3: v = x + ((a + b) >> 1); break;
        case 4: v = x + paeth(a, b, c); break;
        default: return null;
      }
      current[i] = v & 0xff;
    }
    for (let px = 0; px < width; px++) alpha[y * width + px] = current[px * channels + channels - 1]!;
    current.copy(previous);
  }
  return { width, height, alpha };
}

/** The palette of renderSignaturePng's PNGs: 16 × black (PLTE) at opacity round(i × 255 / 15) (tRNS). */
function isInkPalette(plte: Buffer, trns: Buffer): boolean {
  if (plte.length !== 48 || trns.length !== 16 || plte.some((b) => b !== 0)) return false;
  for (let i = 0; i < 16; i++) if (trns[i] !== Math.round((i * 255) / 15)) return false;
  return true;
}

/**
 * An ink PNG (4-bit indexed, non-interlaced, the ink palette) as its size and its IDAT stream (zlib, PNG row
 * filters inside): index i is opacity i/15, so the stream is the soft mask itself. Null for any other PNG.
 */
export function inkPngMask(png: Buffer): { width: number; height: number; data: Buffer } | null {
  const chunks = readPngChunks(png);
  if (!chunks) return null;
  const { ihdr, plte, trns } = chunks;
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  if (ihdr[8] !== 4 || ihdr[9] !== 3 || ihdr[12] !== 0 || !width || !height || !plte || !trns || !isInkPalette(plte, trns)) return null;
  return { width, height, data: chunks.idat };
}

/** A 1×1 black image drawn through `maskRef` (the signature's opacity). */
function inkThroughMask(pdf: PDFDocument, maskRef: PDFRef): PDFRef {
  const ink = pdf.context.stream(deflateSync(Buffer.from([0])), {
    Type: 'XObject',
    Subtype: 'Image',
    Width: 1,
    Height: 1,
    ColorSpace: 'DeviceGray',
    BitsPerComponent: 8,
    Filter: 'FlateDecode',
    SMask: maskRef,
  });
  return pdf.context.register(ink);
}

export async function embedSignaturePng(pdf: PDFDocument, png: Buffer): Promise<SignatureImage> {
  const ink = inkPngMask(png);
  if (ink) {
    const mask = pdf.context.stream(ink.data, {
      Type: 'XObject',
      Subtype: 'Image',
      Width: ink.width,
      Height: ink.height,
      ColorSpace: 'DeviceGray',
      BitsPerComponent: 4,
      Filter: 'FlateDecode',
      DecodeParms: { Predictor: 15, Colors: 1, BitsPerComponent: 4, Columns: ink.width },
    });
    return { ref: inkThroughMask(pdf, pdf.context.register(mask)), width: ink.width, height: ink.height };
  }
  const decoded = pngAlpha(png);
  if (!decoded) {
    const image = await pdf.embedPng(png);
    return { ref: image.ref, width: image.width, height: image.height };
  }
  const { context } = pdf;
  const mask = context.stream(deflateSync(decoded.alpha), {
    Type: 'XObject',
    Subtype: 'Image',
    Width: decoded.width,
    Height: decoded.height,
    ColorSpace: 'DeviceGray',
    BitsPerComponent: 8,
    Filter: 'FlateDecode',
  });
  return { ref: inkThroughMask(pdf, context.register(mask)), width: decoded.width, height: decoded.height };
}

/** Draws a signature image scaled to fit a box, centred, keeping its aspect ratio. */
export function drawSignature(page: PDFPage, image: SignatureImage, x: number, y: number, width: number, height: number): void {
  const scale = Math.min(width / image.width, height / image.height);
  const w = image.width * scale;
  const h = image.height * scale;
  const name = page.node.newXObject('Sig', image.ref);
  page.pushOperators(pushGraphicsState(), concatTransformationMatrix(w, 0, 0, h, x + (width - w) / 2, y + (height - h) / 2), drawObject(name), popGraphicsState());
}

