import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { strFromU8, unzipSync } from 'fflate';
import { parseGift, toGift } from './gift.ts';
import { parseMoodleXml, toMoodleXml } from './moodle-xml.ts';
import { toQtiPackage } from './qti.ts';
import { InterchangeSyntaxError, type QuizItem } from './quiz-item.ts';
import { child, children, parseXml } from './xml.ts';

const fixture = (name: string) => readFileSync(new URL(`../../../../test/fixtures/questionnaires/${name}`, import.meta.url), 'utf8');
/** What a round trip must keep: everything but the display labels of true/false options. */
const essence = (items: QuizItem[]) => items.map((i) => ({ name: i.name, type: i.type, prompt: i.prompt, trueFalse: i.trueFalse ?? false, options: i.options.map((o) => ({ label: i.trueFalse ? o.id : o.label, correct: o.correct ?? false, feedback: o.feedback ?? null })), settings: i.settings }));

describe('GIFT', () => {
  const items = parseGift(fixture('sql-basics.gift'));

  test('reads every question type of a real-looking file', () => {
    assert.deepEqual(items.map((i) => [i.name, i.type]), [
      ['Q1 SELECT', 'single'],
      ['Q2 Agrégats', 'multiple'],
      ['Q3 NULL', 'single'],
      ['Q4 Clause', 'short_text'],
      ['Q5 Jointures', 'number'],
      ['Q6 Précision', 'number'],
      ['Q7 Retour', 'long_text'],
      ['Q8 Caractères', 'single'],
    ]);
    const [q1, q2, q3, q4, q5, q6, , q8] = items as [QuizItem, QuizItem, QuizItem, QuizItem, QuizItem, QuizItem, QuizItem, QuizItem];
    assert.deepEqual(q1.options.map((o) => [o.label, o.correct, o.feedback ?? null]), [['SELECT', true, 'Oui : SELECT lit des lignes.'], ['INSERT', false, 'Non : INSERT ajoute des lignes.'], ['UPDATE', false, 'Non : UPDATE modifie des lignes.'], ['DELETE', false, null]]);
    assert.equal(q1.settings.feedback, 'Revoir le chapitre 2 : lire des données.');
    assert.deepEqual(q2.options.map((o) => [o.label, o.correct, o.weight]), [['COUNT', true, 50], ['SUM', true, 50], ['JOIN', false, -100], ['WHERE', false, -100]]);
    assert.equal(q3.prompt, 'En SQL, NULL = NULL vaut vrai.');
    assert.equal(q3.trueFalse, true);
    assert.deepEqual(q3.options.map((o) => [o.id, o.correct, o.feedback]), [['true', false, 'Non : la comparaison avec NULL est inconnue.'], ['false', true, 'Exact.']]);
    assert.deepEqual(q4.settings.acceptedAnswers, ['HAVING', 'having']);
    assert.deepEqual([q5.settings.correctNumber, q5.settings.tolerance, q6.settings.correctNumber, q6.settings.tolerance], [60, 0, 3.14, 0.005]);
    assert.equal(q8.prompt, 'Quel caractère termine une instruction SQL : { ou ; ?');
    assert.deepEqual(q8.options.map((o) => o.label), [';', '{']);
  });

  test('round-trips: GIFT → items → GIFT → items keeps everything', () => {
    const again = parseGift(toGift(items));
    assert.deepEqual(essence(again), essence(items));
  });

  test('a syntax error gives its line and column', () => {
    const source = fixture('broken-unclosed.gift');
    const line3 = source.split('\n')[2]!;
    assert.throws(() => parseGift(source), (e: unknown) => e instanceof InterchangeSyntaxError && e.line === 3 && e.column === line3.indexOf('{') + 1 && /never closed/.test(e.message));
    assert.throws(() => parseGift('::T:: Question\n{=a ~b}\n\n::U:: Pas de réponse\n'), (e: unknown) => e instanceof InterchangeSyntaxError && e.line === 4 && e.column === 7);
    assert.throws(() => parseGift('Q ? {#abc}'), (e: unknown) => e instanceof InterchangeSyntaxError && e.line === 1 && e.column === 7 && /not a numerical answer/.test(e.message));
    assert.throws(() => parseGift('Q ? {a ~b}'), (e: unknown) => e instanceof InterchangeSyntaxError && e.column === 6 && /unexpected "a"/.test(e.message));
    assert.throws(() => parseGift('Apparier {=chat -> cat =chien -> dog}'), /matching questions are not supported/);
  });
});

describe('Moodle XML', () => {
  const items = parseMoodleXml(fixture('sql-basics.moodle.xml'));

  test('reads multichoice (single and multiple), truefalse, shortanswer, numerical and essay; skips categories', () => {
    assert.deepEqual(items.map((i) => [i.name, i.type, i.points]), [
      ['Clé primaire', 'single', 2],
      ['Types de jointure', 'multiple', 3],
      ['Index', 'single', 1],
      ['Dédoublonner', 'short_text', 1],
      ['Octets', 'number', 1],
      ['Modélisation', 'long_text', 0],
    ]);
    assert.equal(items[0]!.prompt, "Quel est le rôle d'une clé primaire ?");
    assert.equal(items[0]!.settings.feedback, 'Voir le chapitre 4.');
    assert.deepEqual(items[0]!.options.map((o) => [o.label, o.correct, o.feedback ?? null]), [['Identifier chaque ligne de façon unique', true, 'Oui.'], ['Trier la table', false, "Non : c'est le rôle d'ORDER BY."], ['Chiffrer les données', false, null]]);
    assert.deepEqual(items[1]!.options.map((o) => [o.label, o.correct, o.weight ?? null]), [['LEFT JOIN', true, 50], ['INNER JOIN', true, 50], ['SIDE JOIN', false, -100]]);
    assert.deepEqual(items[2]!.options.map((o) => [o.id, o.correct]), [['true', false], ['false', true]]);
    assert.deepEqual(items[4]!.settings, { correctNumber: 1024, tolerance: 0 });
  });

  test('round-trips: XML → items → XML → items, and GIFT → XML → GIFT', () => {
    assert.deepEqual(essence(parseMoodleXml(toMoodleXml(items))), essence(items));
    const gift = parseGift(fixture('sql-basics.gift'));
    const viaXml = parseMoodleXml(toMoodleXml(gift));
    assert.deepEqual(essence(parseGift(toGift(viaXml))), essence(gift));
  });

  test('answers that look like markup survive a round trip (plain_text is not HTML): "<h1>", "a < b"', () => {
    const html = parseGift('::Balise:: Quelle balise porte le titre principal ? {\n=<h1>\n~<title>\n~a < b & c\n}\n');
    assert.deepEqual(html[0]!.options.map((o) => o.label), ['<h1>', '<title>', 'a < b & c']);
    const back = parseMoodleXml(toMoodleXml(html));
    assert.deepEqual(back[0]!.options.map((o) => o.label), ['<h1>', '<title>', 'a < b & c']);
    assert.equal(back[0]!.prompt, 'Quelle balise porte le titre principal ?');
    // Moodle's own HTML text is still read as HTML.
    const moodle = parseMoodleXml('<quiz><question type="multichoice"><name><text>H</text></name><questiontext format="html"><text><![CDATA[<p>Le <b>titre</b></p>]]></text></questiontext><answer fraction="100" format="html"><text><![CDATA[<p>h1</p>]]></text></answer><answer fraction="0"><text>h2</text></answer></question></quiz>');
    assert.equal(moodle[0]!.prompt, 'Le titre');
    assert.deepEqual(moodle[0]!.options.map((o) => o.label), ['h1', 'h2']);
  });

  test('skill tags round-trip: GIFT "// [tag:…]" comments and Moodle XML <tags>, both ways', () => {
    const gift = parseGift('// [tag:sql] [tag:jointures]\n::J:: Quelle jointure garde toutes les lignes de gauche ? {\n=LEFT JOIN\n~INNER JOIN\n}\n\n// une remarque\n::K:: 1 + 1 ? {#2}\n');
    assert.deepEqual(gift.map((i) => i.skills ?? []), [['sql', 'jointures'], []]);
    assert.deepEqual(parseGift(toGift(gift)).map((i) => i.skills ?? []), [['sql', 'jointures'], []]);
    const xml = toMoodleXml(gift);
    assert.match(xml, /<tags><tag><text>sql<\/text><\/tag><tag><text>jointures<\/text><\/tag><\/tags>/);
    assert.deepEqual(parseMoodleXml(xml).map((i) => i.skills ?? []), [['sql', 'jointures'], []]);
    assert.deepEqual(parseGift(toGift(parseMoodleXml(xml))).map((i) => i.skills ?? []), [['sql', 'jointures'], []]);
  });

  test('an XML syntax error gives its line and column; unsupported types are named', () => {
    const source = fixture('broken-mismatch.moodle.xml');
    const line5 = source.split('\n')[4]!;
    assert.throws(() => parseMoodleXml(source), (e: unknown) => e instanceof InterchangeSyntaxError && e.line === 5 && e.column === line5.indexOf('</question>') + 1 && /closes <questiontext>/.test(e.message));
    assert.throws(() => parseMoodleXml('<quiz>\n  <question type="x" a=b/>\n</quiz>'), (e: unknown) => e instanceof InterchangeSyntaxError && e.line === 2 && e.column === 24);
    assert.throws(() => parseMoodleXml('<quiz><question type="matching"><name><text>M</text></name><questiontext><text>t</text></questiontext></question></quiz>'), /"matching" is not supported/);
  });
});

describe('QTI 3.0 export', () => {
  test('a package with a manifest and one well-formed item per choice question, correct responses and partial-credit mapping', () => {
    const items = parseMoodleXml(fixture('sql-basics.moodle.xml'));
    const pkg = toQtiPackage(items, { title: 'Bases de SQL', lang: 'fr', identifier: 'emarge-test' });
    assert.deepEqual(pkg.files, ['imsmanifest.xml', 'items/item-1.xml', 'items/item-2.xml', 'items/item-3.xml']);
    assert.deepEqual(pkg.skipped, ['Dédoublonner', 'Octets', 'Modélisation']);
    const files = unzipSync(pkg.zip);
    const manifest = parseXml(strFromU8(files['imsmanifest.xml']!));
    assert.equal(children(child(manifest, 'resources')!, 'resource').length, 3);
    const single = parseXml(strFromU8(files['items/item-1.xml']!));
    assert.equal(single.name, 'qti-assessment-item');
    assert.equal(single.attrs.xmlns, 'http://www.imsglobal.org/xsd/imsqtiasi_v3p0');
    const decl = child(single, 'qti-response-declaration')!;
    assert.equal(decl.attrs.cardinality, 'single');
    assert.deepEqual(children(child(decl, 'qti-correct-response')!, 'qti-value').map((v) => v.text), ['o1']);
    const interaction = child(child(single, 'qti-item-body')!, 'qti-choice-interaction')!;
    assert.equal(interaction.attrs['max-choices'], '1');
    assert.deepEqual(children(interaction, 'qti-simple-choice').map((c) => c.text), ['Identifier chaque ligne de façon unique', 'Trier la table', 'Chiffrer les données']);
    const multiple = parseXml(strFromU8(files['items/item-2.xml']!));
    const mapping = child(child(multiple, 'qti-response-declaration')!, 'qti-mapping')!;
    assert.deepEqual(children(mapping, 'qti-map-entry').map((e) => [e.attrs['map-key'], e.attrs['mapped-value']]), [['o1', '1.5'], ['o2', '1.5'], ['o3', '-1.5']]);
    assert.equal(child(multiple, 'qti-response-processing')!.attrs.template, 'https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/map_response.xml');
  });
});
