import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { PDFDocument } from 'pdf-lib';
import { decodePng, type DecodedPng } from '../../platform/pdf/__fixtures__/decode-png.ts';
import { canonicalizeStrokes, renderSignaturePng, signatureStrokesSchema, type SignatureStrokes } from './signature-strokes.ts';

type Point = { x: number; y: number; t: number };

function line(x0: number, y0: number, x1: number, y1: number, n: number, t0 = 0): Point[] {
  return Array.from({ length: n }, (_, i) => ({ x: x0 + ((x1 - x0) * i) / (n - 1), y: y0 + ((y1 - y0) * i) / (n - 1), t: t0 + i * 10 }));
}

/** Parses, or returns the issues as "path: message" lines. */
function issuesOf(input: unknown): string[] {
  const result = signatureStrokesSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

function parse(input: unknown): SignatureStrokes {
  return signatureStrokesSchema.parse(input);
}

function alphaAt(png: DecodedPng, x: number, y: number): number {
  return png.pixels[(y * png.width + x) * png.channels + png.channels - 1]!;
}

// A horizontal line then a diagonal, on a 400×200 canvas.
const KNOWN = {
  width: 400,
  height: 200,
  strokes: [{ points: line(50, 100, 350, 100, 31) }, { points: line(100, 20, 300, 180, 21, 400) }],
};

test('a known signature renders: valid PNG, ink along the strokes, blank corners and background', () => {
  const rendered = renderSignaturePng(parse(KNOWN));
  const png = rendered.png;
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.toString('latin1', 12, 16), 'IHDR');
  assert.equal(png.readUInt32BE(16), 400);
  assert.equal(png.readUInt32BE(20), 200);
  assert.equal(png[24], 4, 'bit depth');
  assert.equal(png[25], 3, 'indexed colour (black ink at 16 opacities)');

  const image = decodePng(png); // also checks every chunk CRC
  assert.equal(image.channels, 4);
  for (let x = 55; x <= 345; x += 5) assert.ok(alphaAt(image, x, 100) > 200, `no ink at (${x}, 100)`);
  for (let k = 1; k < 20; k++) {
    const x = Math.floor(100 + 10 * k);
    const y = Math.floor(20 + 8 * k);
    assert.ok(alphaAt(image, x, y) > 100, `no ink on the diagonal at (${x}, ${y})`);
  }
  for (const [x, y] of [[0, 0], [399, 0], [0, 199], [399, 199], [200, 150], [50, 20], [350, 180]] as const) {
    assert.equal(alphaAt(image, x, y), 0, `ink where there should be none at (${x}, ${y})`);
  }
  // Thin pen: at most ~5 inked rows across the horizontal line at x = 80 (away from the diagonal).
  const inked = Array.from({ length: 200 }, (_, y) => alphaAt(image, 80, y)).filter((a) => a > 0).length;
  assert.ok(inked >= 2 && inked <= 5, `pen width ${inked} px`);
  // Ink is black: red, green and blue are 0 everywhere; some pixels are partly covered (anti-aliasing).
  for (let i = 0; i < image.pixels.length; i += 4) if (image.pixels[i] || image.pixels[i + 1] || image.pixels[i + 2]) assert.fail('ink is not black');
  const partial = new Set<number>();
  for (let i = 3; i < image.pixels.length; i += 4) if (image.pixels[i]! > 0 && image.pixels[i]! < 255) partial.add(image.pixels[i]!);
  assert.ok(partial.size >= 5, `only ${partial.size} levels of anti-aliasing`);

  assert.equal(rendered.pngSha256, createHash('sha256').update(png).digest('hex'));
  assert.equal(rendered.strokesSha256, createHash('sha256').update(rendered.strokesJson).digest('hex'));
});

test('identical input gives identical bytes; key order does not matter; a different stroke does', () => {
  const a = renderSignaturePng(parse(KNOWN));
  const b = renderSignaturePng(parse(structuredClone(KNOWN)));
  assert.ok(a.png.equals(b.png));
  assert.equal(a.pngSha256, b.pngSha256);
  assert.equal(a.strokesSha256, b.strokesSha256);

  const reordered = JSON.parse(JSON.stringify({
    strokes: KNOWN.strokes.map((s) => ({ points: s.points.map((p) => ({ t: p.t, y: p.y, x: p.x })) })),
    height: 200,
    width: 400,
  }));
  assert.equal(canonicalizeStrokes(parse(reordered)), a.strokesJson);
  assert.equal(renderSignaturePng(parse(reordered)).pngSha256, a.pngSha256);

  const moved = structuredClone(KNOWN);
  moved.strokes[0]!.points[3]!.y = 110;
  const c = renderSignaturePng(parse(moved));
  assert.notEqual(c.strokesSha256, a.strokesSha256);
  assert.notEqual(c.pngSha256, a.pngSha256);
  // Only the time changed: same picture, different strokes hash (timing is part of the evidence).
  const slower = structuredClone(KNOWN);
  slower.strokes[1]!.points[20]!.t += 500;
  const d = renderSignaturePng(parse(slower));
  assert.equal(d.pngSha256, a.pngSha256);
  assert.notEqual(d.strokesSha256, a.strokesSha256);
});

test('large canvases are scaled down to 800 px on the longest side', () => {
  const big = parse({ width: 4000, height: 1000, strokes: [{ points: line(100, 500, 3900, 500, 40) }] });
  const image = decodePng(renderSignaturePng(big).png);
  assert.equal(image.width, 800);
  assert.equal(image.height, 200);
  assert.ok(alphaAt(image, 400, 100) > 200);
  assert.equal(alphaAt(image, 400, 10), 0);
});

test('the PNG embeds in a PDF with pdf-lib (what the sheet renderer will do)', async () => {
  const pdf = await PDFDocument.create();
  const image = await pdf.embedPng(renderSignaturePng(parse(KNOWN)).png);
  assert.equal(image.width, 400);
  assert.equal(image.height, 200);
  pdf.addPage().drawImage(image, { x: 10, y: 10, width: 200, height: 100 });
  assert.ok((await pdf.save()).length > 500);
});

test('canvas size limits name the field', () => {
  assert.deepEqual(issuesOf({ ...KNOWN, width: 49 }), ['width: width must be between 50 and 4000 pixels']);
  assert.deepEqual(issuesOf({ ...KNOWN, height: 4001 }), ['height: height must be between 50 and 4000 pixels']);
  assert.deepEqual(issuesOf({ ...KNOWN, width: 400.5 }), ['width: width must be a whole number of pixels']);
  assert.deepEqual(issuesOf({ ...KNOWN, width: '400' }), ['width: width must be a number (canvas pixels)']);
});

test('stroke and point count limits', () => {
  const manyStrokes = { ...KNOWN, strokes: Array.from({ length: 51 }, () => ({ points: line(10, 10, 300, 150, 3) })) };
  assert.deepEqual(issuesOf(manyStrokes), ['strokes: at most 50 strokes']);
  const fifty = { ...KNOWN, strokes: Array.from({ length: 50 }, (_, i) => ({ points: line(10, 10, 300, 150, 3, i * 100) })) };
  assert.deepEqual(issuesOf(fifty), []);

  const tooManyPoints = { ...KNOWN, strokes: [{ points: line(0, 0, 400, 200, 2500) }, { points: line(0, 200, 400, 0, 2501, 30_000) }] };
  assert.deepEqual(issuesOf(tooManyPoints), ['strokes: too many points: 5001 (at most 5000 in all)']);
  const exactly = { ...KNOWN, strokes: [{ points: line(0, 0, 400, 200, 2500) }, { points: line(0, 200, 400, 0, 2500, 30_000) }] };
  assert.deepEqual(issuesOf(exactly), []);

  assert.deepEqual(issuesOf({ ...KNOWN, strokes: [] }), ['strokes: the signature has no stroke']);
  assert.deepEqual(issuesOf({ ...KNOWN, strokes: [{ points: [] }] }), ['strokes.0.points: a stroke needs at least one point']);
});

test('coordinates outside the canvas and time going backwards are refused with the point named', () => {
  const outside = structuredClone(KNOWN);
  outside.strokes[0]!.points[3]!.x = 401;
  outside.strokes[1]!.points[5]!.y = -2;
  assert.deepEqual(issuesOf(outside), [
    'strokes.0.points.3.x: x = 401 is outside the canvas (0 to 400)',
    'strokes.1.points.5.y: y = -2 is outside the canvas (0 to 200)',
  ]);
  const backwards = structuredClone(KNOWN);
  backwards.strokes[1]!.points[0]!.t = 200; // the first stroke ended at 300 ms
  assert.deepEqual(issuesOf(backwards), ['strokes.1.points.0.t: t = 200 goes back in time (the previous point was at 300 ms)']);
  const equalTimes = structuredClone(KNOWN);
  equalTimes.strokes[1]!.points[0]!.t = 300; // non-decreasing is fine
  assert.deepEqual(issuesOf(equalTimes), []);
  assert.deepEqual(issuesOf({ ...KNOWN, strokes: [{ points: [{ x: 1, y: 1, t: -1 }, ...line(0, 0, 300, 100, 5)] }] })[0], 'strokes.0.points.0.t: t must be ≥ 0 (milliseconds since capture started)');
});

test('a dot, a tiny scribble, or only single points is not a signature', () => {
  const message = 'strokes: the signature is empty or a dot: at least one stroke of two or more points must span 5% of the canvas width or height';
  assert.deepEqual(issuesOf({ width: 400, height: 200, strokes: [{ points: [{ x: 100, y: 100, t: 0 }] }] }), [message]);
  // 19 px wide and 9 px high on 400×200: under 5% (20 px, 10 px) in both dimensions.
  assert.deepEqual(issuesOf({ width: 400, height: 200, strokes: [{ points: line(100, 100, 119, 109, 6) }] }), [message]);
  // Single points far apart do not add up to a stroke.
  assert.deepEqual(issuesOf({ width: 400, height: 200, strokes: [{ points: [{ x: 10, y: 10, t: 0 }] }, { points: [{ x: 390, y: 190, t: 5 }] }] }), [message]);
  // 20 px wide is exactly 5%: accepted.
  assert.deepEqual(issuesOf({ width: 400, height: 200, strokes: [{ points: line(100, 100, 120, 101, 6) }] }), []);
});

test('unknown fields (e.g. client SVG) are refused, and many bad points give a bounded list', () => {
  const withSvg = issuesOf({ ...KNOWN, svg: '<svg onload="alert(1)"/>' });
  assert.equal(withSvg.length, 1);
  assert.match(withSvg[0]!, /svg/);
  assert.equal(issuesOf({ ...KNOWN, strokes: [{ points: line(0, 0, 300, 100, 3), html: '<b>' }] }).length, 1);

  const allOutside = { width: 400, height: 200, strokes: [{ points: line(500, 0, 900, 0, 100) }] };
  assert.equal(issuesOf(allOutside)[0], 'strokes.0.points.0.x: x = 500 is outside the canvas (0 to 400)');
  const issues = issuesOf(allOutside);
  assert.equal(issues.length, 21); // 20 listed, then the count of the rest
  assert.equal(issues[20], 'strokes: 80 more problem(s) not listed');
});

test('a worst-case payload (5,000 long zigzag points on 4000×4000) renders in bounded time', () => {
  const points = Array.from({ length: 100 }, (_, i) => ({ x: i % 2 === 0 ? 0 : 4000, y: (i * 4000) / 99, t: i }));
  const worst = parse({ width: 4000, height: 4000, strokes: Array.from({ length: 50 }, (_, s) => ({ points: points.map((p) => ({ ...p, t: p.t + s * 100 })) })) });
  const started = performance.now();
  const image = decodePng(renderSignaturePng(worst).png);
  const elapsed = performance.now() - started;
  assert.equal(image.width, 800);
  assert.ok(elapsed < 10_000, `took ${Math.round(elapsed)} ms`);
});
