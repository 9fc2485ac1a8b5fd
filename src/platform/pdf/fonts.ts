import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fontkit from '@pdf-lib/fontkit';
import type { PDFFont } from 'pdf-lib';

/**
 * The fonts embedded in every PDF Emarge produces: DejaVu Sans (Bitstream Vera
 * licence + public-domain DejaVu changes, shipped by the `dejavu-fonts-ttf`
 * npm package as TrueType, which pdf-lib + fontkit can embed and subset).
 * It covers French fully: accents, œ/Œ, « », €, the no-break space (U+00A0)
 * and the narrow no-break space (U+202F) that French puts before ; : ! ? and
 * inside « ».
 *
 * Scripts DejaVu lacks (Chinese, Japanese, Korean) fall back, letter by letter,
 * to Noto Sans SC (Han, kana) then Noto Sans KR (Hangul), both SIL OFL
 * TrueType from the `@expo-google-fonts/noto-sans-*` packages. They are read
 * and embedded only in a document whose text needs them, and subset like
 * DejaVu, so a CJK name costs a few kilobytes, not the 10 MB of the font.
 */
export type FontFace = 'regular' | 'bold' | 'italic';

const FILES: Record<FontFace, string> = {
  regular: 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf',
  bold: 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf',
  italic: 'dejavu-fonts-ttf/ttf/DejaVuSans-Oblique.ttf',
};

/** Fallback fonts in the order tried; italic uses the regular face (CJK has no oblique). */
export const FALLBACK_FONTS = [
  {
    name: 'noto-sans-sc',
    regular: '@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf',
    bold: '@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf',
  },
  {
    name: 'noto-sans-kr',
    regular: '@expo-google-fonts/noto-sans-kr/400Regular/NotoSansKR_400Regular.ttf',
    bold: '@expo-google-fonts/noto-sans-kr/700Bold/NotoSansKR_700Bold.ttf',
  },
] as const;
export type FallbackName = (typeof FALLBACK_FONTS)[number]['name'];

export const NO_BREAK_SPACE = '\u00a0';
export const NARROW_NO_BREAK_SPACE = '\u202f';

const require = createRequire(import.meta.url);
const bytesCache = new Map<string, Uint8Array>();

function readPackageFile(path: string): Uint8Array {
  let bytes = bytesCache.get(path);
  if (!bytes) {
    bytes = new Uint8Array(readFileSync(require.resolve(path)));
    bytesCache.set(path, bytes);
  }
  return bytes;
}

/** The TrueType bytes of a face, read once per process. */
export function getFontBytes(face: FontFace): Uint8Array {
  return readPackageFile(FILES[face]);
}

/** The TrueType bytes of a fallback font's face (italic: regular), read once per process and only when asked. */
export function getFallbackBytes(name: FallbackName, face: FontFace): Uint8Array {
  const f = FALLBACK_FONTS.find((x) => x.name === name)!;
  return readPackageFile(face === 'bold' ? f.bold : f.regular);
}

type Coverage = (codePoint: number) => boolean;
const coverageCache = new Map<string, Coverage>();

function coverageOf(path: string): Coverage {
  let covers = coverageCache.get(path);
  if (!covers) {
    const font = fontkit.create(readPackageFile(path) as Buffer);
    const known = new Map<number, boolean>();
    covers = (cp) => {
      let v = known.get(cp);
      if (v === undefined) known.set(cp, (v = font.hasGlyphForCodePoint(cp)));
      return v;
    };
    coverageCache.set(path, covers);
  }
  return covers;
}

/** Whether DejaVu (that face) draws this code point. */
export function primaryCovers(face: FontFace, codePoint: number): boolean {
  return coverageOf(FILES[face])(codePoint);
}

/** Whether a fallback font (regular face) draws this code point; reads that font on first use. */
export function fallbackCovers(name: FallbackName, codePoint: number): boolean {
  return coverageOf(FALLBACK_FONTS.find((x) => x.name === name)!.regular)(codePoint);
}

/** Characters drawn with no glyph on purpose (controls, line breaks): never a reason to load a fallback. */
function invisible(codePoint: number): boolean {
  return codePoint < 0x20 || (codePoint >= 0x7f && codePoint < 0xa0);
}

/** The fallback fonts some of these strings need (none for Latin, Greek, Cyrillic… text). */
export function fallbacksNeeded(texts: Iterable<string>): FallbackName[] {
  const needed = new Set<FallbackName>();
  const seen = new Set<number>();
  for (const text of texts) {
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      if (seen.has(cp)) continue;
      seen.add(cp);
      if (invisible(cp) || primaryCovers('regular', cp)) continue;
      const f = FALLBACK_FONTS.find((x) => fallbackCovers(x.name, cp));
      if (f) needed.add(f.name);
    }
  }
  return FALLBACK_FONTS.map((f) => f.name).filter((n) => needed.has(n));
}

/** Every string inside a value (objects, arrays), binary buffers skipped: what a renderer may draw. */
export function* stringsIn(value: unknown, depth = 0): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (value === null || typeof value !== 'object' || depth > 8 || value instanceof Uint8Array || value instanceof Date) return;
  else for (const v of Array.isArray(value) ? value : value instanceof Map ? value.values() : Object.values(value)) yield* stringsIn(v, depth + 1);
}

interface FontChain {
  covers: Coverage;
  fallbacks: Array<{ font: PDFFont; covers: Coverage }>;
}
const chains = new WeakMap<PDFFont, FontChain>();

/** Registers, for an embedded DejaVu face, the embedded fallbacks that draw what it lacks (createPdfDocument does it). */
export function registerFallbacks(font: PDFFont, face: FontFace, fallbacks: Array<{ name: FallbackName; font: PDFFont }>): void {
  chains.set(font, { covers: coverageOf(FILES[face]), fallbacks: fallbacks.map((f) => ({ font: f.font, covers: coverageOf(FALLBACK_FONTS.find((x) => x.name === f.name)!.regular) })) });
}

/** The font that draws one character: the face itself, else the first fallback that has it, else the face (its .notdef box). */
export function fontForChar(font: PDFFont, ch: string): PDFFont {
  const chain = chains.get(font);
  if (!chain || chain.fallbacks.length === 0) return font;
  const cp = ch.codePointAt(0)!;
  if (invisible(cp) || chain.covers(cp)) return font;
  return chain.fallbacks.find((f) => f.covers(cp))?.font ?? font;
}

/** Text cut into runs of one font each (one run when no fallback is needed). */
export function textRuns(text: string, font: PDFFont): Array<{ text: string; font: PDFFont }> {
  const chain = chains.get(font);
  if (!chain || chain.fallbacks.length === 0) return [{ text, font }];
  const runs: Array<{ text: string; font: PDFFont }> = [];
  for (const ch of text) {
    const f = fontForChar(font, ch);
    const last = runs[runs.length - 1];
    if (last && last.font === f) last.text += ch;
    else runs.push({ text: ch, font: f });
  }
  return runs;
}

const advances = new WeakMap<PDFFont, Map<string, number>>();

/**
 * The width of text at a size: the sum of each character's advance in the
 * font that draws it, cached per font. pdf-lib draws glyphs at their advances
 * (no kerning), so this is the drawn width; fontkit's full layout per call
 * (widthOfTextAtSize) made wrapping long sheets slow.
 */
export function textWidth(text: string, font: PDFFont, size: number): number {
  let cache = advances.get(font);
  if (!cache) advances.set(font, (cache = new Map()));
  let width = 0;
  for (const ch of text) {
    let w = cache.get(ch);
    if (w === undefined) {
      w = fontForChar(font, ch).widthOfTextAtSize(ch, 1000) / 1000;
      cache.set(ch, w);
    }
    width += w;
  }
  return width * size;
}

/**
 * Breaks a word wider than maxWidth into pieces that fit: after its hyphens
 * where it can ("ROCHEFOUCAULD-" / "MONTBAZON-"), else between letters (at
 * least one character a piece).
 */
function breakWord(word: string, font: PDFFont, size: number, maxWidth: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  for (const part of word.split(/(?<=[-‐–/])/u)) {
    if (textWidth(piece + part, font, size) <= maxWidth) {
      piece += part;
      continue;
    }
    if (piece !== '') pieces.push(piece);
    piece = '';
    for (const ch of part) {
      if (piece !== '' && textWidth(piece + ch, font, size) > maxWidth) {
        pieces.push(piece);
        piece = ch;
      } else piece += ch;
    }
  }
  pieces.push(piece);
  return pieces;
}

/**
 * Splits text into lines no wider than maxWidth at the given size, breaking at
 * ordinary spaces (never at no-break spaces); a single word wider than the
 * line is broken between letters, so nothing ever runs past the edge or is
 * cut. Explicit newlines are kept.
 */
export function wrapText(text: string, font: PDFFont, size: number, maxWidth: number): string[] {
  const lines: string[] = [];
  const space = textWidth(' ', font, size);
  for (const paragraph of text.split('\n')) {
    // Widths add up (advances, no kerning): each word is measured once.
    let line = '';
    let lineWidth = 0;
    for (const word of paragraph.split(' ')) {
      const wordWidth = textWidth(word, font, size);
      const candidateWidth = line === '' ? wordWidth : lineWidth + space + wordWidth;
      if (candidateWidth <= maxWidth) {
        line = line === '' ? word : `${line} ${word}`;
        lineWidth = candidateWidth;
        continue;
      }
      if (line !== '') lines.push(line);
      if (wordWidth <= maxWidth) {
        line = word;
        lineWidth = wordWidth;
      } else {
        const pieces = breakWord(word, font, size, maxWidth);
        lines.push(...pieces.slice(0, -1));
        line = pieces[pieces.length - 1]!;
        lineWidth = textWidth(line, font, size);
      }
    }
    lines.push(line);
  }
  return lines;
}
