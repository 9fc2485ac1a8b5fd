import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { PDFDocument } from 'pdf-lib';
import { decodePng, type DecodedPng } from '../../platform/pdf/__fixtures__/decode-png.ts';
import { pngChunk, renderSignaturePng, signatureStrokesSchema } from '../attendance/signature-strokes.ts';
import { drawSignature, embedSignaturePng, inkPngMask, pngAlpha } from './signature-image.ts';

const dir = mkdtempSync(join(tmpdir(), 'emarge-signature-image-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// A horizontal stroke across the middle and a short vertical one on the left, on a 400×200 canvas.
const strokes = signatureStrokesSchema.parse({
  width: 400,
  height: 200,
  strokes: [
    { points: Array.from({ length: 31 }, (_, i) => ({ x: 50 + i * 10, y: 100, t: i * 10 })) },
    { points: Array.from({ length: 11 }, (_, i) => ({ x: 80, y: 40 + i * 12, t: 400 + i * 10 })) },
  ],
});

/** The same picture in the format signatures had before (8-bit gray + alpha), as older databases hold them. */
function grayAlphaPng(image: DecodedPng): Buffer {
  const raw = Buffer.alloc(image.height * (1 + image.width * 2));
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) raw[y * (1 + image.width * 2) + 1 + x * 2 + 1] = image.pixels[(y * image.width + x) * image.channels + image.channels - 1]!;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(image.width, 0);
  ihdr.writeUInt32BE(image.height, 4);
  ihdr[8] = 8;
  ihdr[9] = 4;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A 400×200 pt page with the signature drawn over all of it, rendered by pdftoppm at 72 dpi (1 px per pt). */
async function renderedPage(png: Buffer, name: string): Promise<DecodedPng> {
  const pdf = await PDFDocument.create();
  const page = pdf.addPage([400, 200]);
  drawSignature(page, await embedSignaturePng(pdf, png), 0, 0, 400, 200);
  const path = join(dir, `${name}.pdf`);
  writeFileSync(path, await pdf.save());
  const run = spawnSync('pdftoppm', ['-png', '-r', '72', path, join(dir, name)], { encoding: 'utf8' });
  assert.equal(run.status, 0, `pdftoppm failed: ${run.stderr}`);
  const file = readdirSync(dir).find((f) => f.startsWith(`${name}-`) && f.endsWith('.png'));
  assert.ok(file, 'pdftoppm wrote no page');
  return decodePng(readFileSync(join(dir, file)));
}

const darkness = (page: DecodedPng, x: number, y: number) => 255 - page.pixels[(y * page.width + x) * page.channels]!;

function assertInkWhereDrawn(page: DecodedPng): void {
  assert.equal(page.width, 400);
  assert.equal(page.height, 200);
  for (let x = 60; x <= 340; x += 20) assert.ok(darkness(page, x, 100) > 150, `no ink at (${x}, 100)`);
  for (let y = 50; y <= 150; y += 20) assert.ok(darkness(page, 80, y) > 150, `no ink at (80, ${y})`);
  for (const [x, y] of [[10, 10], [390, 10], [200, 30], [200, 170], [300, 60], [390, 190]] as const) {
    assert.equal(darkness(page, x, y), 0, `ink where nothing was drawn at (${x}, ${y})`);
  }
}

test("Emarge's ink PNG goes into the PDF as it is (its scanlines are the soft mask) and renders where the strokes are", async () => {
  const { png } = renderSignaturePng(strokes);
  const ink = inkPngMask(png);
  assert.ok(ink, 'the rendered signature is not recognised as an ink PNG');
  assert.equal(ink.width, 400);
  assert.equal(ink.height, 200);
  assertInkWhereDrawn(await renderedPage(png, 'ink'));
});

test('a signature stored in the former format (8-bit gray + alpha) still renders the same strokes', async () => {
  const legacy = grayAlphaPng(decodePng(renderSignaturePng(strokes).png));
  assert.equal(inkPngMask(legacy), null);
  assert.ok(pngAlpha(legacy));
  assertInkWhereDrawn(await renderedPage(legacy, 'legacy'));
});

test('an indexed PNG with another palette is not taken for ink', () => {
  const png = Buffer.from(renderSignaturePng(strokes).png);
  // Make palette entry 15 red: same structure, different colours.
  const plteAt = png.indexOf('PLTE', 0, 'latin1');
  png[plteAt + 4 + 45] = 255;
  assert.equal(inkPngMask(png), null);
});
