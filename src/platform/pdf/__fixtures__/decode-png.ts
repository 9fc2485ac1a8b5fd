import { inflateSync } from 'node:zlib';

/** A decoded PNG: 8-bit samples, `channels` per pixel (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA), rows top-down. Indexed PNGs come out as RGBA. */
export interface DecodedPng {
  width: number;
  height: number;
  channels: number;
  pixels: Buffer;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/**
 * Test helper: decodes a non-interlaced 8-bit PNG (what pdftoppm writes) or
 * an indexed PNG of 1, 2, 4 or 8 bits (what renderSignaturePng writes, with
 * its palette's transparency), undoing all five row filters, and checks every
 * chunk's CRC. Throws on anything else, so a malformed file fails the test.
 */
export function decodePng(png: Buffer): DecodedPng {
  if (!png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) throw new Error('not a PNG signature');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  let bitDepth = 8;
  let indexed = false;
  let palette: Buffer | null = null;
  let paletteAlpha: Buffer | null = null;
  const idat: Buffer[] = [];
  let ended = false;
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    const crc = png.readUInt32BE(offset + 8 + length);
    if (crc !== crc32(png.subarray(offset + 4, offset + 8 + length))) throw new Error(`bad CRC in ${type}`);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      bitDepth = data[8]!;
      if (data[12] !== 0) throw new Error('only non-interlaced PNGs');
      if (data[9] === 3) {
        if (![1, 2, 4, 8].includes(bitDepth)) throw new Error(`bad bit depth ${bitDepth} for an indexed PNG`);
        indexed = true;
        channels = 1; // indices, expanded to RGBA below
      } else {
        if (bitDepth !== 8) throw new Error('only 8-bit PNGs unless indexed');
        channels = CHANNELS[data[9]!] ?? 0;
        if (!channels) throw new Error(`unsupported colour type ${data[9]}`);
      }
    } else if (type === 'PLTE') {
      palette = Buffer.from(data);
    } else if (type === 'tRNS') {
      paletteAlpha = Buffer.from(data);
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      ended = true;
      break;
    }
    offset += 12 + length;
  }
  if (!ended || !width) throw new Error('PNG without IHDR or IEND');
  const raw = inflateSync(Buffer.concat(idat));
  if (indexed) return expandIndexed(width, height, bitDepth, raw, palette, paletteAlpha);
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) throw new Error('PNG data has the wrong size');
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`bad filter ${filter}`);
      pixels[y * stride + x] = (line[x]! + predictor) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** An indexed PNG's scanlines (filter 0 only: sub-byte pixels with other filters are not needed here) as RGBA. */
function expandIndexed(width: number, height: number, bitDepth: number, raw: Buffer, palette: Buffer | null, alpha: Buffer | null): DecodedPng {
  if (!palette) throw new Error('indexed PNG without PLTE');
  const stride = Math.ceil((width * bitDepth) / 8);
  if (raw.length !== height * (stride + 1)) throw new Error('PNG data has the wrong size');
  const pixels = Buffer.alloc(width * height * 4);
  const mask = (1 << bitDepth) - 1;
  for (let y = 0; y < height; y++) {
    if (raw[y * (stride + 1)] !== 0) throw new Error('only filter 0 in indexed PNGs');
    for (let x = 0; x < width; x++) {
      const bit = x * bitDepth;
      const byte = raw[y * (stride + 1) + 1 + (bit >> 3)]!;
      const index = (byte >> (8 - bitDepth - (bit & 7))) & mask;
      if (3 * index + 2 >= palette.length) throw new Error(`palette index ${index} out of range`);
      const at = (y * width + x) * 4;
      pixels[at] = palette[3 * index]!;
      pixels[at + 1] = palette[3 * index + 1]!;
      pixels[at + 2] = palette[3 * index + 2]!;
      pixels[at + 3] = alpha && index < alpha.length ? alpha[index]! : 255;
    }
  }
  return { width, height, channels: 4, pixels };
}

/** Luminance-ish darkness test: the first channel of a pixel (gray, or red). */
export function sampleAt(png: DecodedPng, x: number, y: number): number {
  return png.pixels[(y * png.width + x) * png.channels]!;
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
