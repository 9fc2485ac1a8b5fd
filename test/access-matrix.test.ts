import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { renderSignaturePng, signatureStrokesSchema } from '../src/modules/attendance/signature-strokes.ts';
import { createTestContext, type TestContext } from './context.ts';
import { makeOrganisationWithStaff } from './factories.ts';
import { multipartBody } from '../src/modules/reminders/notify-test-fixtures.ts';

/**
 * THE ACCESS-CONTROL MATRIX. Two organisations A and B with full data. Every
 * route under /api/v1 with a path parameter — read from the live route table,
 * so routes added later are covered automatically — is called by each identity
 * of A with B's ids. The answer must be 404 (a 403 is tolerated only when the
 * route refuses that identity's role outright — proved by the same 403 with A's
 * own ids, i.e. before any lookup, so it reveals nothing about B's id); never
 * 2xx, never 500, and no body may carry B's data.
 * Afterwards, B's rows must be exactly as before.
 *
 * Adding a route with a new kind of id? Add B's (and A's) id to `idsFor`
 * below; adding a write route? Add a valid body to `BODIES`. The test fails
 * and says so until you do.
 */

/**
 * Public routes whose parameter is itself the capability, answered the same to
 * everyone (signed in or not, any organisation): they are outside this matrix
 * on purpose and tested in their own module (src/modules/documents: a
 * verification code shows what the document it was printed on attests).
 */
const PUBLIC_BY_DESIGN = new Set(['GET /api/v1/verify/:code', 'GET /api/v1/respond/:token', 'PUT /api/v1/respond/:token/draft', 'POST /api/v1/respond/:token/submit']);

type Org = Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
type Fixture = { org: Org; ids: Record<string, string>; markers: string[] };

/** A valid body per write route (so validation passes and the lookup is what answers). */
function bodies(a: Fixture): Record<string, unknown> {
  return {
    'PATCH /api/v1/people/:id': { givenName: 'Mallory' },
    'PATCH /api/v1/programs/:id': { title: 'stolen' },
    'POST /api/v1/programs/:id/modules': { title: 'stolen' },
    'PATCH /api/v1/modules/:id': { title: 'stolen' },
    'PATCH /api/v1/cohorts/:id': { name: 'stolen' },
    'PUT /api/v1/cohorts/:id/trainers': { trainerIds: [a.org.trainer.id] },
    'POST /api/v1/cohorts/:id/enrolments': { personId: a.org.learner.id },
    'POST /api/v1/cohorts/:id/sessions/generate': { from: '2026-03-09', weeks: 1, weekdays: [1, 2], slots: [{ startTime: '09:00', endTime: '12:00' }] },
    'PATCH /api/v1/enrolments/:id': { status: 'withdrawn' },
    'PATCH /api/v1/sessions/:id': { status: 'cancelled' },
    'POST /api/v1/absences/justifications/:id/review': { decision: 'refused', note: 'stolen' },
    'POST /api/v1/sessions/:id/walk-ins': { email: 'mallory@example.test', givenName: 'Mallory', familyName: 'Intruder' },
    'POST /api/v1/cohorts/:id/certificates/export': { kind: 'sheets' },
    'POST /api/v1/sessions/:id/signing-links': {},
    'POST /api/v1/sessions/:id/kiosk/sign': { personId: a.org.learner.id, strokes: { width: 400, height: 150, strokes: [{ points: [{ x: 10, y: 50, t: 0 }, { x: 300, y: 60, t: 40 }] }] } },
    'POST /api/v1/sessions/:id/trainer-signature': { strokes: { width: 400, height: 150, strokes: [{ points: [{ x: 10, y: 50, t: 0 }, { x: 300, y: 60, t: 40 }] }] } },
    'PATCH /api/v1/sessions/:id/attendance/:personId': { status: 'absent' },
    'POST /api/v1/sessions/:id/attendance/:personId/review': { decision: 'confirm' },
    'POST /api/v1/sessions/:id/amendments': { personId: a.org.learner.id, status: 'present', reason: 'stolen' },
    'POST /api/v1/sessions/:id/lock': {},
    'PATCH /api/v1/questionnaires/:id': { title: 'stolen' },
    'PUT /api/v1/questionnaires/:id/order': { sections: [{ id: a.ids['questionnaire-sections'], questionIds: [a.ids.questions] }] },
    'POST /api/v1/questionnaires/:id/publish': {},
    'POST /api/v1/questionnaires/:id/close': {},
    'POST /api/v1/questionnaires/:id/duplicate': {},
    'POST /api/v1/questionnaires/:id/sections': { title: 'stolen' },
    'PATCH /api/v1/questionnaire-sections/:id': { title: 'stolen' },
    'POST /api/v1/questionnaire-sections/:id/questions': { type: 'short_text', prompt: 'stolen' },
    'PATCH /api/v1/questions/:id': { prompt: 'stolen' },
    'POST /api/v1/questionnaires/:id/distributions': { targetType: 'cohort', targetId: a.ids.cohorts, trigger: 'now', audience: 'learners' },
    'POST /api/v1/questionnaires/:id/import': { format: 'gift', content: '::Q:: Stolen? {=yes ~no}' },
    'POST /api/v1/question-banks/:id/questions': { type: 'short_text', prompt: 'stolen' },
    'POST /api/v1/analytics/models/:id/score': {},
    'POST /api/v1/analytics/risk/:predictionId/reviews': { action: 'prediction_wrong', note: 'stolen' },
    'POST /api/v1/analytics/objections/:id/answer': { answer: 'stolen' },
    'POST /api/v1/analytics/jobs/:id/cancel': {},
    'PATCH /api/v1/questionnaires/insights/actions/:id': { status: 'in_progress' },
    'POST /api/v1/questionnaires/insights/actions/:id/close': { outcome: 'stolen' },
  };
}

/** The route table, parsed from Fastify's own printout (commonPrefix off: one segment chain per route). */
function routeTable(printed: string): Array<{ method: string; url: string }> {
  const routes: Array<{ method: string; url: string }> = [];
  const stack: string[] = [];
  for (const line of printed.split('\n')) {
    const at = line.indexOf('── ');
    if (at < 0) continue;
    const depth = (at - 1) / 4; // "└── " at depth 0, "│   └── " at depth 1, …
    const m = /^(.*?)(?: \(([^)]*)\))?$/.exec(line.slice(at + 3))!;
    stack.length = depth;
    stack.push(m[1]!);
    for (const method of (m[2] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) routes.push({ method, url: stack.join('') });
  }
  return routes;
}

async function snapshotOf(t: TestContext, organisationId: string): Promise<string> {
  const parts: string[] = [];
  // Every table that carries an organisation (tables added by later migrations included).
  const { rows: tables } = await sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.columns
    WHERE table_schema = 'public' AND column_name = 'organisation_id'
    ORDER BY table_name`.execute(t.db);
  for (const table of ['organisations', ...tables.map((r) => r.table_name)]) {
    const column = table === 'organisations' ? 'id' : 'organisation_id';
    const { rows } = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)} WHERE ${sql.ref(column)} = ${organisationId}`.execute(t.db);
    parts.push(`${table}:${JSON.stringify(rows.map((r) => JSON.stringify(r)).sort())}`);
  }
  return parts.join('\n');
}

describe('access-control matrix: A cannot reach B through any parametrised route', () => {
  let t: TestContext;
  let A: Fixture;
  let B: Fixture;

  /** Full data for one organisation, made through the API (and the outbox directly). */
  async function makeFixture(tag: string): Promise<Fixture> {
    const org = await makeOrganisationWithStaff(t.db);
    const as = org.as.admin;
    const post = async (url: string, payload: unknown, method: 'POST' | 'PUT' = 'POST') => {
      const res = await t.request({ method, url, as, payload: payload as never });
      assert.ok(res.statusCode < 300, `${url}: ${res.body}`);
      return res.json();
    };
    const program = await post('/api/v1/programs', { title: `Programme secret ${tag}`, code: `SECRET-${tag}` });
    const module = await post(`/api/v1/programs/${program.id}/modules`, { title: `Module secret ${tag}` });
    const cohort = await post('/api/v1/cohorts', { programId: program.id, name: `Cohorte secrète ${tag}` });
    await post(`/api/v1/cohorts/${cohort.id}/trainers`, { trainerIds: [org.trainer.id] }, 'PUT');
    const enrolment = await post(`/api/v1/cohorts/${cohort.id}/enrolments`, { personId: org.learner.id });
    const session = await post('/api/v1/sessions', { cohortId: cohort.id, moduleId: module.id, date: '2026-03-03', startTime: '09:00', endTime: '12:30', location: `Salle secrète ${tag}` });
    // A signature on the session (attendance), written directly: the signing flows are tested in src/modules/attendance.
    const rendered = renderSignaturePng(signatureStrokesSchema.parse({ width: 400, height: 150, strokes: [{ points: [{ x: 10, y: 50, t: 0 }, { x: 300, y: 60, t: 40 }] }] }));
    const signature = await t.db
      .insertInto('signatures')
      .values({ organisation_id: org.organisation.id, session_id: session.id, person_id: org.learner.id, strokes: rendered.strokesJson, strokes_sha256: rendered.strokesSha256, png: rendered.png, png_sha256: rendered.pngSha256 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const person = await post('/api/v1/people', { email: `secret-${tag.toLowerCase()}@example.test`, givenName: 'Secret', familyName: `Person ${tag}`, roles: ['learner'] });
    const mail = await t.db
      .insertInto('outbox_mails')
      .values({ organisation_id: org.organisation.id, to_address: person.email, subject: `Courrier secret ${tag}`, text_body: 'secret' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const form = multipartBody([['reason', `Absence secrète ${tag}`], ['sessionIds', session.id]]);
    const justification = await t.request({ method: 'POST', url: '/api/v1/absences/justifications', as: org.as.learner, payload: form.payload, headers: form.headers });
    assert.equal(justification.statusCode, 201, justification.body);
    const webhook = await post('/api/v1/webhooks', { url: `https://hooks.example.com/${tag}`, events: ['sheet.locked'] });
    // A finished export job of this organisation (GET /jobs/:id, GET /exports/:jobId.zip).
    const job = await t.db
      .insertInto('jobs')
      .values({ organisation_id: org.organisation.id, type: 'documents.export', payload: JSON.stringify({ cohortId: cohort.id, kind: 'sheets' }), status: 'done', result: JSON.stringify({ fileName: `Cohorte secrète ${tag}.zip` }) })
      .returning('id')
      .executeTakeFirstOrThrow();
    // Risk analytics: a model version, a prediction about the learner and their objection (written directly: trained in src/modules/analytics).
    const model = await t.db.insertInto('model_versions').values({ organisation_id: org.organisation.id, version: 1, status: 'ready', artifact: JSON.stringify({}) }).returning('id').executeTakeFirstOrThrow();
    const prediction = await t.db
      .insertInto('risk_predictions')
      .values({ organisation_id: org.organisation.id, model_version_id: model.id, person_id: org.learner.id, cohort_id: cohort.id, week_start: '2026-03-02', step: 0, probability: 0.5, band: 'high', reasons: JSON.stringify([]) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const objection = await t.db
      .insertInto('risk_objections')
      .values({ organisation_id: org.organisation.id, person_id: org.learner.id, prediction_id: prediction.id, message: `Objection secret ${tag}` })
      .returning('id')
      .executeTakeFirstOrThrow();
    // A group attribute (fairness reports), named per organisation: DELETE /analytics/group-attributes/:attribute.
    const attribute = `secret_${tag.toLowerCase()}`;
    await t.db.insertInto('group_attributes').values({ organisation_id: org.organisation.id, person_id: org.learner.id, attribute, value: `valeur secrète ${tag}`, legal_basis: 'test' }).execute();
    // A questionnaire with one section and one question (the questionnaires module tests its own flows).
    const questionnaire = await post('/api/v1/questionnaires', { kind: 'quiz', title: `Questionnaire secret ${tag}` });
    const question = await post(`/api/v1/questionnaire-sections/${questionnaire.sections[0].id}/questions`, { type: 'short_text', prompt: `Question secrète ${tag}` });
    const bank = await post('/api/v1/question-banks', { title: `Banque secrète ${tag}` });
    const action = await post('/api/v1/questionnaires/insights/actions', { unitType: 'module', unitId: module.id, metric: 'success', description: `Action secrète ${tag}` });
    const apiKey = await t.db.selectFrom('api_keys').select('id').where('organisation_id', '=', org.organisation.id).orderBy('created_at').executeTakeFirstOrThrow();
    return {
      org,
      ids: {
        people: person.id,
        programs: program.id,
        modules: module.id,
        cohorts: cohort.id,
        enrolments: enrolment.id,
        sessions: session.id,
        outbox: mail.id,
        'api-keys': apiKey.id,
        organisations: org.organisation.id,
        webhooks: webhook.id,
        justifications: justification.json().id,
        jobs: String(job.id),
        person: org.learner.id,
        signatures: signature.id,
        models: model.id,
        predictions: prediction.id,
        objections: objection.id,
        questionnaires: questionnaire.id,
        'questionnaire-sections': questionnaire.sections[0].id,
        questions: question.id,
        'question-banks': bank.id,
        actions: action.id,
        attribute,
      },
      markers: [`Programme secret ${tag}`, `SECRET-${tag}`, `Module secret ${tag}`, `Cohorte secrète ${tag}`, `Salle secrète ${tag}`, person.email, org.admin.email, org.learner.email, `Courrier secret ${tag}`, `Objection secret ${tag}`, `Absence secrète ${tag}`, `Questionnaire secret ${tag}`, `Question secrète ${tag}`, `Banque secrète ${tag}`, `Action secrète ${tag}`],
    };
  }

  before(async () => {
    t = await createTestContext();
    A = await makeFixture('A');
    B = await makeFixture('B');
  });
  after(() => t.close());

  /** The id of `fixture` for the parameter `name` that follows the path segment `resource`. */
  function idFor(fixture: Fixture, resource: string, name: string): string | undefined {
    if (name !== 'id') {
      const base = name.replace(/Id$/, '');
      const plural = Object.keys(fixture.ids).find((k) => k === base || k === `${base}s` || k === base.replace(/y$/, 'ies'));
      if (plural) return fixture.ids[plural];
    }
    return fixture.ids[resource];
  }

  function buildUrl(template: string, fixture: Fixture): { url: string; missing: string[] } {
    const segments = template.split('/');
    const missing: string[] = [];
    const url = segments
      .map((seg, i) => {
        if (!seg.startsWith(':')) return seg;
        // A parameter may carry a static suffix: ":programId.pdf", ":jobId.zip".
        const [name, ...suffix] = seg.slice(1).split('.');
        const id = idFor(fixture, segments[i - 1] ?? '', name!);
        if (!id) missing.push(`${seg} after "${segments[i - 1]}"`);
        return [id ?? 'missing', ...suffix].join('.');
      })
      .join('/');
    return { url, missing };
  }

  test('every parametrised route answers 404 to every identity of A with B ids, and leaks nothing', async () => {
    const all = routeTable(t.app.printRoutes({ commonPrefix: false }));
    const routes = all.filter((r) => r.url.startsWith('/api/v1/') && r.url.includes('/:') && r.method !== 'HEAD' && !PUBLIC_BY_DESIGN.has(`${r.method} ${r.url}`));

    // The parser must see every documented parametrised path (guards against a silent parse failure).
    const doc = (t.app as unknown as { swagger(): { paths: Record<string, Record<string, unknown>> } }).swagger();
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.includes('{')) continue;
      const template = path.replace(/\{([^}]+)\}/g, ':$1');
      for (const method of Object.keys(ops)) {
        assert.ok(all.some((r) => r.url === template && r.method === method.toUpperCase()), `route table parse missed ${method.toUpperCase()} ${template}`);
      }
    }
    assert.ok(routes.length >= 15, `only ${routes.length} parametrised routes found`);

    const BODIES = bodies(A);
    const problems: string[] = [];
    for (const r of routes) {
      const key = `${r.method} ${r.url}`;
      const b = buildUrl(r.url, B);
      if (b.missing.length) problems.push(`${key}: no B id for ${b.missing.join(', ')} — add it to the fixture ids in test/access-matrix.test.ts`);
      if (['POST', 'PUT', 'PATCH'].includes(r.method) && !(key in BODIES)) problems.push(`${key}: no valid body — add one to BODIES in test/access-matrix.test.ts`);
    }
    assert.deepEqual(problems, []);

    const before = await snapshotOf(t, B.org.organisation.id);
    const identities = ['admin', 'manager', 'trainer', 'learner', 'apiKey'] as const;
    const failures: string[] = [];
    let calls = 0;
    for (const r of routes) {
      const key = `${r.method} ${r.url}`;
      const payload = BODIES[key];
      for (const who of identities) {
        const res = await t.request({ method: r.method as never, url: buildUrl(r.url, B).url, as: A.org.as[who], ...(payload !== undefined ? { payload: payload as never } : {}) });
        calls++;
        const label = `${who} ${key} → ${res.statusCode}`;
        const body = res.body;
        let bodyWithoutInstance = body;
        try {
          const parsed = JSON.parse(body);
          if (parsed && typeof parsed === 'object') delete parsed.instance;
          bodyWithoutInstance = JSON.stringify(parsed);
        } catch {
          /* not JSON: check it whole */
        }
        const leaked = [...B.markers, ...Object.values(B.ids)].filter((m) => bodyWithoutInstance.includes(m));
        if (leaked.length) failures.push(`${label}: body leaks B data (${leaked.join(', ')})`);
        if (res.statusCode === 404) continue;
        if (res.statusCode === 403) {
          // A role refused by the route outright (trainers and learners on staff routes, managers and keys on
          // admin-only ones) is tolerated only if the refusal does not depend on the id: A's own ids get it too.
          const own = await t.request({ method: r.method as never, url: buildUrl(r.url, A).url, as: A.org.as[who], ...(payload !== undefined ? { payload: payload as never } : {}) });
          if (own.statusCode !== 403) failures.push(`${label}, but ${own.statusCode} with A's own ids: the 403 reveals that B's id exists`);
          continue;
        }
        failures.push(`${label} (expected 404): ${body.slice(0, 200)}`);
      }
    }
    assert.deepEqual(failures, [], `${failures.length} of ${calls} calls broke isolation`);
    assert.equal(await snapshotOf(t, B.org.organisation.id), before, "B's rows changed");
  });

  test('ids of B passed in bodies and filters are not found or return nothing', async () => {
    const as = A.org.as.admin;
    const cases: Array<{ method: 'GET' | 'POST'; url: string; payload?: unknown; expect: 'empty' | 404 }> = [
      { method: 'POST', url: '/api/v1/cohorts', payload: { programId: B.ids.programs, name: 'x' }, expect: 404 },
      { method: 'POST', url: '/api/v1/sessions', payload: { cohortId: B.ids.cohorts, date: '2026-03-04', startTime: '09:00', endTime: '12:00' }, expect: 404 },
      { method: 'POST', url: `/api/v1/cohorts/${A.ids.cohorts}/enrolments`, payload: { personId: B.ids.people }, expect: 404 },
      { method: 'POST', url: '/api/v1/sessions', payload: { cohortId: A.ids.cohorts, moduleId: B.ids.modules, date: '2026-03-05', startTime: '09:00', endTime: '12:00' }, expect: 404 },
      { method: 'GET', url: `/api/v1/people?cohortId=${B.ids.cohorts}`, expect: 'empty' },
      { method: 'GET', url: `/api/v1/cohorts?programId=${B.ids.programs}`, expect: 'empty' },
      { method: 'GET', url: `/api/v1/sessions?from=2026-03-01&to=2026-03-31&cohortId=${B.ids.cohorts}`, expect: 'empty' },
      { method: 'GET', url: `/api/v1/sessions?from=2026-03-01&to=2026-03-31&trainerId=${B.org.trainer.id}`, expect: 'empty' },
    ];
    for (const c of cases) {
      const res = await t.request({ method: c.method, url: c.url, as, ...(c.payload ? { payload: c.payload as never } : {}) });
      if (c.expect === 404) assert.equal(res.statusCode, 404, `${c.method} ${c.url}: ${res.body}`);
      else assert.deepEqual(res.json().items, [], `${c.url}: ${res.body}`);
    }
    // A's trainer cannot put B's trainer on A's cohort either.
    const res = await t.request({ method: 'PUT', url: `/api/v1/cohorts/${A.ids.cohorts}/trainers`, as, payload: { trainerIds: [B.org.trainer.id] } });
    assert.equal(res.statusCode, 400);
  });
});
