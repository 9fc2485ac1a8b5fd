import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeOrganisationWithStaff } from '../../../test/factories.ts';
import { API_KEY_PATTERN } from './authenticate.ts';
import { hashToken } from './tokens.ts';

describe('API keys and the audit log', () => {
  let t: TestContext;
  let org: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  let other: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  before(async () => {
    t = await createTestContext();
    org = await makeOrganisationWithStaff(t.db);
    other = await makeOrganisationWithStaff(t.db);
  });
  after(() => t.close());

  test('lifecycle: created once with its key, the key works, read scope cannot write, revoked → 401', async () => {
    const created = await t.request({ method: 'POST', url: '/api/v1/api-keys', as: org.as.admin, headers: { 'idempotency-key': 'create-key-0001' }, payload: { name: 'Payroll export', scope: 'write' } });
    assert.equal(created.statusCode, 201, created.body);
    const key = created.json();
    assert.match(key.key, API_KEY_PATTERN);
    assert.equal(key.name, 'Payroll export');
    assert.equal(key.scope, 'write');
    assert.equal(key.key.slice(4, 16), key.prefix);
    assert.equal(key.revokedAt, null);

    const row = await t.db.selectFrom('api_keys').selectAll().where('id', '=', key.id).executeTakeFirstOrThrow();
    assert.equal(row.key_hash, hashToken(key.key), 'only the hash is stored');
    assert.equal(row.created_by, org.admin.id);
    const kept = await t.db.selectFrom('idempotency_keys').select('response_body').where('key', '=', 'create-key-0001').execute();
    assert.equal(kept.length, 0, 'the answer holding the key is not kept for replays');

    const bearer = { authorization: `Bearer ${key.key}` };
    const write = await t.request({ method: 'POST', url: '/api/v1/programs', headers: bearer, payload: { title: 'Via API key' } });
    assert.equal(write.statusCode, 201, write.body);

    const list = await t.request({ method: 'GET', url: '/api/v1/api-keys', as: org.as.admin });
    assert.equal(list.statusCode, 200, list.body);
    const listed = list.json().items.find((k: { id: string }) => k.id === key.id);
    assert.ok(listed);
    assert.equal(listed.key, undefined);
    assert.ok(!list.body.includes(key.key), 'the key is never returned again');
    assert.ok(!list.body.includes(row.key_hash), 'nor its hash');

    const readKey = (await t.request({ method: 'POST', url: '/api/v1/api-keys', as: org.as.admin, payload: { name: 'BI dashboard', scope: 'read' } })).json();
    const readBearer = { authorization: `Bearer ${readKey.key}` };
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/programs', headers: readBearer })).statusCode, 200);
    const denied = await t.request({ method: 'POST', url: '/api/v1/programs', headers: readBearer, payload: { title: 'nope' } });
    assert.equal(denied.statusCode, 403);
    assert.equal(denied.json().code, 'scope_insufficient');

    const revoked = await t.request({ method: 'DELETE', url: `/api/v1/api-keys/${key.id}`, as: org.as.admin });
    assert.equal(revoked.statusCode, 204, revoked.body);
    const after = await t.request({ method: 'GET', url: '/api/v1/programs', headers: bearer });
    assert.equal(after.statusCode, 401);
    assert.equal(after.json().code, 'unauthenticated');
    assert.equal((await t.request({ method: 'DELETE', url: `/api/v1/api-keys/${key.id}`, as: org.as.admin })).statusCode, 204, 'revoking twice is harmless');

    const active = (await t.request({ method: 'GET', url: '/api/v1/api-keys', as: org.as.admin })).json().items.map((k: { id: string }) => k.id);
    assert.ok(!active.includes(key.id), 'revoked keys are hidden by default');
    const all = (await t.request({ method: 'GET', url: '/api/v1/api-keys?includeRevoked=true', as: org.as.admin })).json().items;
    assert.ok(all.find((k: { id: string; revokedAt: string | null }) => k.id === key.id && k.revokedAt));

    const audit = await t.db.selectFrom('audit_events').select(['type', 'actor_id', 'payload']).where('subject_id', '=', key.id).orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.type), ['api_key.created', 'api_key.revoked']);
    assert.equal(audit[0]!.actor_id, org.admin.id);
    assert.deepEqual(audit[0]!.payload, { name: 'Payroll export', scope: 'write', prefix: key.prefix });
  });

  test('only a signed-in admin manages keys; other organisations get 404', async () => {
    for (const as of [org.as.manager, org.as.trainer, org.as.learner, org.as.apiKey]) {
      const create = await t.request({ method: 'POST', url: '/api/v1/api-keys', as, payload: { name: 'x', scope: 'write' } });
      assert.equal(create.statusCode, 403, create.body);
      assert.equal((await t.request({ method: 'GET', url: '/api/v1/api-keys', as })).statusCode, 403);
    }
    const mine = (await t.request({ method: 'POST', url: '/api/v1/api-keys', as: org.as.admin, payload: { name: 'Mine', scope: 'read' } })).json();
    const stolen = await t.request({ method: 'DELETE', url: `/api/v1/api-keys/${mine.id}`, as: other.as.admin });
    assert.equal(stolen.statusCode, 404);
    assert.ok(!(await t.request({ method: 'GET', url: '/api/v1/api-keys', as: other.as.admin })).body.includes(mine.id));
    const bad = await t.request({ method: 'POST', url: '/api/v1/api-keys', as: org.as.admin, payload: { name: '', scope: 'admin' } });
    assert.equal(bad.statusCode, 400);
    const paths = bad.json().errors.map((e: { path: string }) => e.path);
    assert.ok(paths.includes('body.name') && paths.includes('body.scope'), bad.body);
  });

  test('keys list in pages, newest first', async () => {
    for (const name of ['P1', 'P2', 'P3']) {
      await t.request({ method: 'POST', url: '/api/v1/api-keys', as: other.as.admin, payload: { name, scope: 'read' } });
    }
    const page1 = (await t.request({ method: 'GET', url: '/api/v1/api-keys?limit=2', as: other.as.admin })).json();
    assert.deepEqual(page1.items.map((k: { name: string }) => k.name), ['P3', 'P2']);
    const page2 = (await t.request({ method: 'GET', url: `/api/v1/api-keys?limit=2&cursor=${page1.nextCursor}`, as: other.as.admin })).json();
    assert.equal(page2.items[0].name, 'P1');
  });

  test('GET /audit-events: admins only, newest first, filtered by subject and type, paginated', async () => {
    const created = (await t.request({ method: 'POST', url: '/api/v1/programs', as: org.as.admin, payload: { title: 'Audited' } })).json();
    await t.request({ method: 'PATCH', url: `/api/v1/programs/${created.id}`, as: org.as.manager, payload: { title: 'Audited again' } });

    const bySubject = await t.request({ method: 'GET', url: `/api/v1/audit-events?subjectId=${created.id}`, as: org.as.admin });
    assert.equal(bySubject.statusCode, 200, bySubject.body);
    const items = bySubject.json().items;
    assert.deepEqual(items.map((e: { type: string }) => e.type), ['program.updated', 'program.created']);
    assert.equal(items[0].actorType, 'person');
    assert.equal(items[0].actorId, org.manager.id);
    assert.equal(items[1].payload.title, 'Audited');

    const byType = (await t.request({ method: 'GET', url: '/api/v1/audit-events?type=api_key.created', as: org.as.admin })).json().items;
    assert.ok(byType.length >= 2 && byType.every((e: { type: string }) => e.type === 'api_key.created'));
    const byPrefix = (await t.request({ method: 'GET', url: '/api/v1/audit-events?type=api_key.', as: org.as.admin })).json().items;
    assert.deepEqual([...new Set(byPrefix.map((e: { type: string }) => e.type))].sort(), ['api_key.created', 'api_key.revoked']);

    const page1 = (await t.request({ method: 'GET', url: '/api/v1/audit-events?limit=3', as: org.as.admin })).json();
    const page2 = (await t.request({ method: 'GET', url: `/api/v1/audit-events?limit=3&cursor=${page1.nextCursor}`, as: org.as.admin })).json();
    const ids = [...page1.items, ...page2.items].map((e: { id: string }) => Number(e.id));
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
    assert.equal(new Set(ids).size, 6);

    assert.ok(!(await t.request({ method: 'GET', url: '/api/v1/audit-events', as: other.as.admin })).body.includes(created.id), 'other organisations see none of it');
    for (const as of [org.as.manager, org.as.trainer, org.as.learner]) {
      assert.equal((await t.request({ method: 'GET', url: '/api/v1/audit-events', as })).statusCode, 403);
    }
    const bad = await t.request({ method: 'GET', url: '/api/v1/audit-events?subjectId=nope', as: org.as.admin });
    assert.equal(bad.statusCode, 400);
    const badCursor = await t.request({ method: 'GET', url: '/api/v1/audit-events?cursor=garbage', as: org.as.admin });
    assert.equal(badCursor.json().code, 'invalid_cursor');
  });
});
