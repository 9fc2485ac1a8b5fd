import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeOrganisationWithStaff } from '../../../test/factories.ts';

type Org = Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/questionnaires/${name}`, import.meta.url), 'utf8');

describe('POST /questionnaires/import: a new draft quiz from a GIFT or Moodle XML file', () => {
  let t: TestContext;
  let org: Org;
  let other: Org;

  before(async () => {
    t = await createTestContext();
    org = await makeOrganisationWithStaff(t.db);
    other = await makeOrganisationWithStaff(t.db);
  });
  after(() => t.close());

  const count = async (as = org.as.admin) => (await t.request({ method: 'GET', url: '/api/v1/questionnaires?limit=200', as })).json().items.length as number;

  test('a quiz with a skill per question exported as GIFT or Moodle XML comes back with the same questions, answers and skills', async () => {
    const as = org.as.admin;
    const draft = (await t.request({ method: 'POST', url: '/api/v1/questionnaires', as, payload: { kind: 'quiz', title: 'Web' } })).json();
    const add = (payload: unknown) => t.request({ method: 'POST', url: `/api/v1/questionnaire-sections/${draft.sections[0].id}/questions`, as, payload: payload as never });
    assert.equal((await add({ type: 'single', prompt: 'Quelle balise porte le titre principal ?', points: 1, skills: ['html'], options: [{ id: 'h1', label: '<h1>', correct: true }, { id: 'title', label: '<title>' }] })).statusCode, 201);
    assert.equal((await add({ type: 'number', prompt: 'Port HTTPS par défaut ?', points: 2, skills: ['réseau', 'http'], settings: { correctNumber: 443, tolerance: 0 } })).statusCode, 201);
    const essence = (q: { sections: Array<{ questions: Array<{ type: string; prompt: string; points: number; skills: string[]; options: Array<{ label: string; correct?: boolean }> }> }> }) =>
      q.sections.flatMap((s) => s.questions).map((x) => [x.type, x.prompt, x.points, x.skills, x.options.map((o) => [o.label, o.correct === true])]);
    const original = essence((await t.request({ method: 'GET', url: `/api/v1/questionnaires/${draft.id}`, as })).json());
    for (const format of ['gift', 'moodle_xml'] as const) {
      const file = await t.request({ method: 'GET', url: `/api/v1/questionnaires/${draft.id}/export?format=${format}`, as });
      assert.equal(file.statusCode, 200, file.body);
      const back = await t.request({ method: 'POST', url: '/api/v1/questionnaires/import', as, payload: { kind: 'quiz', title: `Web (${format})`, format, content: file.body } });
      assert.equal(back.statusCode, 201, back.body);
      // GIFT has no syntax for a question's points (Moodle gives each 1): only Moodle XML carries them.
      const withoutPoints = (rows: unknown[][]) => rows.map(([type, prompt, , ...rest]) => [type, prompt, ...rest]);
      if (format === 'gift') assert.deepEqual(withoutPoints(essence(back.json())), withoutPoints(original), format);
      else assert.deepEqual(essence(back.json()), original, format);
    }
  });

  test('GIFT and Moodle XML files become drafts with one section holding every question, skills attached', async () => {
    const as = org.as.admin;
    const gift = await t.request({ method: 'POST', url: '/api/v1/questionnaires/import', as, payload: { kind: 'quiz', title: 'Bases de SQL', format: 'gift', content: fixture('sql-basics.gift'), skills: ['sql'] } });
    assert.equal(gift.statusCode, 201, gift.body);
    const q = gift.json();
    assert.equal(q.status, 'draft');
    assert.equal(q.kind, 'quiz');
    assert.equal(q.title, 'Bases de SQL');
    assert.equal(q.sections.length, 1, 'no empty first section: the imported one only');
    assert.equal(q.sections[0].questions.length, 8);
    assert.ok(q.sections[0].questions.every((x: { skills: string[] }) => x.skills.join() === 'sql'));
    assert.ok(q.sections[0].questions.some((x: { options: Array<{ correct?: boolean }> }) => x.options.some((o) => o.correct)), 'correct answers come along');
    const audit = await t.request({ method: 'GET', url: `/api/v1/audit-events?subjectId=${q.id}`, as });
    assert.equal(audit.statusCode, 200, audit.body);
    assert.deepEqual(audit.json().items.map((e: { type: string }) => e.type).sort(), ['questionnaire.created', 'questionnaire.imported']);

    const xml = await t.request({ method: 'POST', url: '/api/v1/questionnaires/import', as, payload: { kind: 'positioning', title: 'Positionnement SQL', locale: 'en', format: 'moodle_xml', content: fixture('sql-basics.moodle.xml') } });
    assert.equal(xml.statusCode, 201, xml.body);
    assert.equal(xml.json().kind, 'positioning');
    assert.equal(xml.json().locale, 'en');
    assert.equal(xml.json().sections[0].questions.length, 6);
    // The draft publishes as it is (the imported questions carry their right answers).
    assert.equal((await t.request({ method: 'POST', url: `/api/v1/questionnaires/${q.id}/publish`, as })).statusCode, 200);
  });

  test('a syntax error gives line and column and creates nothing', async () => {
    const as = org.as.admin;
    const before = await count();
    const broken = await t.request({ method: 'POST', url: '/api/v1/questionnaires/import', as, payload: { kind: 'quiz', title: 'Cassé', format: 'gift', content: fixture('broken-unclosed.gift') } });
    assert.equal(broken.statusCode, 422, broken.body);
    assert.equal(broken.json().code, 'interchange_syntax');
    assert.equal(broken.json().errors[0].line, 3);
    assert.ok(broken.json().errors[0].column);
    const brokenXml = await t.request({ method: 'POST', url: '/api/v1/questionnaires/import', as, payload: { kind: 'quiz', title: 'Cassé', format: 'moodle_xml', content: fixture('broken-mismatch.moodle.xml') } });
    assert.equal(brokenXml.statusCode, 422);
    assert.equal(brokenXml.json().errors[0].line, 5);
    const empty = await t.request({ method: 'POST', url: '/api/v1/questionnaires/import', as, payload: { kind: 'quiz', title: 'Vide', format: 'gift', content: '// only a comment\n' } });
    assert.equal(empty.statusCode, 422, empty.body);
    assert.equal(empty.json().code, 'interchange_syntax');
    assert.equal(await count(), before, 'no questionnaire was created');
  });

  test('bad input: unknown fields, wrong kind, missing title, malformed JSON; roles; tenants', async () => {
    const as = org.as.admin;
    const before = await count();
    const body = { kind: 'quiz', title: 'X', format: 'gift', content: '::Q:: Oui ? {=oui ~non}' };
    for (const payload of [{ ...body, extra: 1 }, { ...body, kind: 'satisfaction_hot' }, { ...body, title: '' }, { ...body, format: 'qti' }, { ...body, content: '' }]) {
      const res = await t.request({ method: 'POST', url: '/api/v1/questionnaires/import', as, payload });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(res.json().code, 'validation_failed');
    }
    const malformed = await t.request({ method: 'POST', url: '/api/v1/questionnaires/import', as, payload: '{"kind":', headers: { 'content-type': 'application/json' } } as never);
    assert.equal(malformed.statusCode, 400);
    for (const who of [org.as.learner, org.as.trainer]) assert.equal((await t.request({ method: 'POST', url: '/api/v1/questionnaires/import', as: who, payload: body })).statusCode, 403);
    assert.equal(await count(), before, 'nothing created by refused requests');
    const theirs = await t.request({ method: 'POST', url: '/api/v1/questionnaires/import', as: other.as.admin, payload: body });
    assert.equal(theirs.statusCode, 201);
    assert.equal(await count(), before, "another organisation's import does not show here");
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/questionnaires/${theirs.json().id}`, as })).statusCode, 404);
  });
});
