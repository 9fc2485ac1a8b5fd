import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeOrganisationWithStaff } from '../../../test/factories.ts';

describe('programs API', () => {
  let t: TestContext;
  let org: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  let other: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  before(async () => {
    t = await createTestContext();
    org = await makeOrganisationWithStaff(t.db);
    other = await makeOrganisationWithStaff(t.db);
  });
  after(() => t.close());

  test('an admin creates, reads, updates and lists programs with cursor pagination', async () => {
    const created = await t.request({ method: 'POST', url: '/api/v1/programs', as: org.as.admin, payload: { title: 'Développeur web', code: 'DW-1', plannedHours: 399, funder: 'OPCO Atlas', fundingReference: 'AT-2026-001' } });
    assert.equal(created.statusCode, 201, created.body);
    const p = created.json();
    assert.equal(p.title, 'Développeur web');
    assert.equal(p.plannedHours, 399);

    const patched = await t.request({ method: 'PATCH', url: `/api/v1/programs/${p.id}`, as: org.as.manager, payload: { objectives: 'Build web apps' } });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().objectives, 'Build web apps');

    for (const title of ['B', 'C', 'D']) {
      assert.equal((await t.request({ method: 'POST', url: '/api/v1/programs', as: org.as.apiKey, payload: { title } })).statusCode, 201);
    }
    const page1 = await t.request({ method: 'GET', url: '/api/v1/programs?limit=2', as: org.as.admin });
    assert.equal(page1.statusCode, 200);
    assert.deepEqual(page1.json().items.map((x: { title: string }) => x.title), ['B', 'C']);
    const page2 = await t.request({ method: 'GET', url: `/api/v1/programs?limit=2&cursor=${page1.json().nextCursor}`, as: org.as.admin });
    assert.deepEqual(page2.json().items.map((x: { title: string }) => x.title), ['D', 'Développeur web']);
    assert.equal(page2.json().nextCursor, null);

    const audit = await t.db.selectFrom('audit_events').select(['type', 'actor_type']).where('subject_id', '=', p.id).orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.type), ['program.created', 'program.updated']);
  });

  test('another organisation gets 404 for these ids and sees none of them', async () => {
    const [program] = (await t.request({ method: 'GET', url: '/api/v1/programs', as: org.as.admin })).json().items;
    const res = await t.request({ method: 'GET', url: `/api/v1/programs/${program.id}`, as: other.as.admin });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, 'not_found');
    const patch = await t.request({ method: 'PATCH', url: `/api/v1/programs/${program.id}`, as: other.as.admin, payload: { title: 'stolen' } });
    assert.equal(patch.statusCode, 404);
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/programs', as: other.as.admin })).json().items.length, 0);
  });

  test('bad input gets problem+json naming the field, and changes nothing', async () => {
    const before = await t.db.selectFrom('programs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const cases = [
      { payload: '{"title": ', type: 'application/json', code: 'malformed_json', status: 400 },
      { payload: { title: 42 }, code: 'validation_failed', status: 400, path: 'body.title' },
      { payload: { title: 'x', colour: 'red' }, code: 'validation_failed', status: 400 },
      { payload: { title: 'x', plannedHours: -3 }, code: 'validation_failed', status: 400, path: 'body.plannedHours' },
      { payload: { title: 'x'.repeat(2_000_000) }, code: 'payload_too_large', status: 413 },
    ];
    for (const c of cases) {
      const res = await t.request({ method: 'POST', url: '/api/v1/programs', as: org.as.admin, payload: c.payload as never, headers: c.type ? { 'content-type': c.type } : {} });
      assert.equal(res.statusCode, c.status, `${JSON.stringify(c.payload).slice(0, 40)} → ${res.body.slice(0, 200)}`);
      assert.match(String(res.headers['content-type']), /application\/problem\+json/);
      assert.equal(res.json().code, c.code);
      if (c.path) assert.ok(res.json().errors.some((e: { path: string }) => e.path === c.path), res.body);
    }
    const afterCount = await t.db.selectFrom('programs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(afterCount.n), Number(before.n));
  });

  test('roles: trainers and learners cannot create; read-only keys cannot write; CSRF is required with cookies', async () => {
    for (const as of [org.as.trainer, org.as.learner]) {
      const res = await t.request({ method: 'POST', url: '/api/v1/programs', as, payload: { title: 'nope' } });
      assert.equal(res.statusCode, 403);
    }
    const ro = await t.request({ method: 'POST', url: '/api/v1/programs', as: org.as.readKey, payload: { title: 'nope' } });
    assert.equal(ro.json().code, 'scope_insufficient');
    const noCsrf = await t.request({ method: 'POST', url: '/api/v1/programs', headers: { cookie: org.as.admin.cookie! }, payload: { title: 'nope' } });
    assert.equal(noCsrf.json().code, 'csrf_failed');
    const anon = await t.request({ method: 'GET', url: '/api/v1/programs' });
    assert.equal(anon.statusCode, 401);
  });

  test('Idempotency-Key replays the first response and refuses reuse with another body', async () => {
    const headers = { 'idempotency-key': 'create-program-0001' };
    const first = await t.request({ method: 'POST', url: '/api/v1/programs', as: org.as.apiKey, headers, payload: { title: 'Idem' } });
    const second = await t.request({ method: 'POST', url: '/api/v1/programs', as: org.as.apiKey, headers, payload: { title: 'Idem' } });
    assert.equal(first.statusCode, 201);
    assert.equal(second.statusCode, 201);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.equal(second.json().id, first.json().id);
    const clash = await t.request({ method: 'POST', url: '/api/v1/programs', as: org.as.apiKey, headers, payload: { title: 'Other' } });
    assert.equal(clash.statusCode, 422);
    assert.equal(clash.json().code, 'idempotency_key_reused');
    const n = await t.db.selectFrom('programs').select('id').where('title', '=', 'Idem').execute();
    assert.equal(n.length, 1);
  });
});
