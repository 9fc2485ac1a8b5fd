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
