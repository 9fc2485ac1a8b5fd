import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPdfDocument } from './create-pdf-document.ts';
import { NARROW_NO_BREAK_SPACE, NO_BREAK_SPACE, wrapText } from './fonts.ts';

test('the embedded font has every French character sheets and certificates need', async () => {
  const { fonts } = await createPdfDocument({ title: 't' });
  const needed = 'éèêëàâçîïôöùûüÿœæÉÈÊÀÂÇÎÔÙÛŒÆ«»€’–—…' + NO_BREAK_SPACE + NARROW_NO_BREAK_SPACE;
  for (const face of [fonts.regular, fonts.bold, fonts.italic]) {
    const available = new Set(face.getCharacterSet());
    for (const ch of needed) assert.ok(available.has(ch.codePointAt(0)!), `${face.name} lacks U+${ch.codePointAt(0)!.toString(16).toUpperCase()}`);
    // Drawing it must not throw (a missing glyph in a standard font would).
    assert.ok(face.widthOfTextAtSize(needed, 10) > 0);
  }
});

test('wrapText breaks at spaces within the width, never at no-break spaces', async () => {
  const { fonts } = await createPdfDocument({ title: 't' });
  const text = `Attestation d’assiduité pour la formation « Gestes${NO_BREAK_SPACE}et${NO_BREAK_SPACE}postures » du 2 mars 2026 : 3,5${NARROW_NO_BREAK_SPACE}heures`;
  const lines = wrapText(text, fonts.regular, 11, 150);
  assert.ok(lines.length >= 3, lines.join('|'));
  for (const line of lines) assert.ok(fonts.regular.widthOfTextAtSize(line, 11) <= 150 || !line.includes(' '), `too wide: ${line}`);
  assert.equal(lines.join(' '), text);
  assert.ok(lines.some((l) => l.includes(`Gestes${NO_BREAK_SPACE}et${NO_BREAK_SPACE}postures`)));
  assert.deepEqual(wrapText('a\nb', fonts.regular, 11, 500), ['a', 'b']);
});

test('createPdfDocument sets the metadata and produces a loadable PDF', async () => {
  const { pdf, fonts } = await createPdfDocument({ title: 'Certificat de réalisation', author: 'Organisme Évry', creationDate: new Date('2026-03-02T10:00:00Z') });
  pdf.addPage().drawText('Réalisé', { x: 10, y: 10, size: 12, font: fonts.regular });
  const bytes = await pdf.save();
  assert.equal(Buffer.from(bytes.subarray(0, 5)).toString('latin1'), '%PDF-');
  assert.equal(pdf.getTitle(), 'Certificat de réalisation');
  assert.equal(pdf.getAuthor(), 'Organisme Évry');
  assert.equal(pdf.getCreationDate()?.toISOString(), '2026-03-02T10:00:00.000Z');
});

test('scripts DejaVu lacks fall back to Noto Sans SC / KR, embedded (subset) only when the text needs them', async () => {
  const { fallbacksNeeded, textRuns, textWidth } = await import('./fonts.ts');
  assert.deepEqual(fallbacksNeeded(['Léa Œuvre Ζωή Ёлка']), []);
  assert.deepEqual(fallbacksNeeded(['王小明']), ['noto-sans-sc']);
  assert.deepEqual(fallbacksNeeded(['김민준 さくら']), ['noto-sans-sc', 'noto-sans-kr']);
  const latin = await createPdfDocument({ title: 't', text: { name: 'Léa Martin' } });
  assert.deepEqual(latin.fallbacks, []);
  const { pdf, fonts, fallbacks } = await createPdfDocument({ title: 't', text: [{ name: 'Léa 王小明' }, ['김민준']] });
  assert.deepEqual(fallbacks, ['noto-sans-sc', 'noto-sans-kr']);
  const runs = textRuns('Léa 王小明 김민준', fonts.regular);
  assert.deepEqual(runs.map((r) => r.text), ['Léa ', '王小明', ' ', '김민준']);
  assert.match(runs[1]!.font.name, /NotoSansSC/);
  assert.match(runs[3]!.font.name, /NotoSansKR/);
  assert.ok(textWidth('王小明', fonts.regular, 10) > 25, 'CJK letters are measured with the font that draws them');
  const page = pdf.addPage();
  const { drawLine } = await import('../../modules/documents/pdf-drawing.ts');
  drawLine(page, 'Léa 王小明 김민준', 10, 700, { font: fonts.regular, size: 12 });
  drawLine(page, '王小明', 10, 680, { font: fonts.bold, size: 12 });
  const bytes = await pdf.save({ useObjectStreams: false });
  assert.ok(bytes.length < 60_000, `subset fonts keep the file small: ${bytes.length} bytes`);
  const { spawnSync } = await import('node:child_process');
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const file = join(mkdtempSync(join(tmpdir(), 'emarge-fonts-')), 'cjk.pdf');
  writeFileSync(file, bytes);
  const text = spawnSync('pdftotext', [file, '-'], { encoding: 'utf8' }).stdout;
  assert.match(text, /Léa 王小明 김민준/);
  assert.match(text, /王小明/);
  const used = spawnSync('pdffonts', [file], { encoding: 'utf8' });
  assert.match(used.stdout, /NotoSansSC-Regular/);
  assert.match(used.stdout, /NotoSansSC-Bold/);
  assert.match(used.stdout, /NotoSansKR-Regular/);
  assert.doesNotMatch(used.stdout + used.stderr, /invalid|Error/i);
  // Rendered: pdftoppm draws the glyphs (not empty boxes, which is what a mis-aligned subset gave).
  const render = spawnSync('pdftoppm', ['-png', '-r', '30', file, `${file}-p`], { encoding: 'utf8' });
  assert.equal(render.status, 0, render.stderr);
  assert.doesNotMatch(render.stderr, /error/i);
});

test('wrapText breaks a word wider than the line after its hyphens, else between letters; nothing is lost', async () => {
  const { fonts } = await createPdfDocument({ title: 't' });
  const lines = wrapText('DE LA ROCHEFOUCAULD-MONTBAZON-LIANCOURT', fonts.regular, 8, 80);
  assert.deepEqual(lines, ['DE LA', 'ROCHEFOUCAULD-', 'MONTBAZON-', 'LIANCOURT']);
  const long = 'ATLAS2026CPF000123456789AVENANT2';
  const pieces = wrapText(long, fonts.regular, 10, 60);
  assert.ok(pieces.length > 1);
  assert.equal(pieces.join(''), long);
  for (const p of pieces) assert.ok(fonts.regular.widthOfTextAtSize(p, 10) <= 60, p);
});
