import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { PDFFont } from 'pdf-lib';

/**
 * The fonts embedded in every PDF Emarge produces: DejaVu Sans (Bitstream Vera
 * licence + public-domain DejaVu changes, shipped by the `dejavu-fonts-ttf`
 * npm package as TrueType, which pdf-lib + fontkit can embed and subset).
 * It covers French fully: accents, œ/Œ, « », €, the no-break space (U+00A0)
 * and the narrow no-break space (U+202F) that French puts before ; : ! ? and
 * inside « ».
 */
export type FontFace = 'regular' | 'bold' | 'italic';

const FILES: Record<FontFace, string> = {
  regular: 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf',
  bold: 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf',
  italic: 'dejavu-fonts-ttf/ttf/DejaVuSans-Oblique.ttf',
};

export const NO_BREAK_SPACE = '\u00a0';
export const NARROW_NO_BREAK_SPACE = '\u202f';

const require = createRequire(import.meta.url);
const cache = new Map<FontFace, Uint8Array>();

/** The TrueType bytes of a face, read once per process. */
export function getFontBytes(face: FontFace): Uint8Array {
  let bytes = cache.get(face);
  if (!bytes) {
    bytes = new Uint8Array(readFileSync(require.resolve(FILES[face])));
    cache.set(face, bytes);
  }
  return bytes;
}

/**
 * Splits text into lines no wider than maxWidth at the given size, breaking at
 * ordinary spaces only (never at no-break spaces); a single word wider than
 * the line is kept whole on its own line. Explicit newlines are kept.
 */
export function wrapText(text: string, font: PDFFont, size: number, maxWidth: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      const candidate = line === '' ? word : `${line} ${word}`;
      if (line !== '' && font.widthOfTextAtSize(candidate, size) > maxWidth) {
        lines.push(line);
        line = word;
      } else {
        line = candidate;
      }
    }
    lines.push(line);
  }
  return lines;
}
