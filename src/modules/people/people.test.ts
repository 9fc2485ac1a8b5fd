import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeOrganisationWithStaff, makePerson } from '../../../test/factories.ts';
import { verifyPassword } from '../../platform/auth/password.ts';

describe('people API', () => {
  let t: TestContext;
  let org: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  let other: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  before(async () => {
    t = await createTestContext();
    org = await makeOrganisationWithStaff(t.db);
    other = await makeOrganisationWithStaff(t.db);
  });
  after(() => t.close());

  test('an admin creates a person (email normalised, password hashed), reads and updates them; audit recorded', async () => {
    const res = await t.request({
      method: 'POST', url: '/api/v1/people', as: org.as.admin,
      payload: { email: '  Camille.Durand@Example.TEST ', givenName: 'Camille', familyName: 'Durand', roles: ['trainer', 'learner', 'trainer'], password: 'correct horse battery' },
    });
    assert.equal(res.statusCode, 201, res.body);
    const p = res.json();
    assert.equal(p.email, 'camille.durand@example.test');
    assert.deepEqual(p.roles, ['trainer', 'learner']);
    assert.equal(p.archivedAt, null);
    assert.equal('passwordHash' in p, false);
    const row = await t.db.selectFrom('people').select('password_hash').where('id', '=', p.id).executeTakeFirstOrThrow();
    assert.ok(row.password_hash?.startsWith('$argon2id$'));
    assert.equal(await verifyPassword(row.password_hash, 'correct horse battery'), true);

    const got = await t.request({ method: 'GET', url: `/api/v1/people/${p.id}`, as: org.as.manager });
    assert.equal(got.statusCode, 200);
    assert.deepEqual(got.json(), p);

    const patched = await t.request({ method: 'PATCH', url: `/api/v1/people/${p.id}`, as: org.as.manager, payload: { phone: '+33 6 12 34 56 78', roles: ['learner'] } });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().phone, '+33 6 12 34 56 78');
    assert.deepEqual(patched.json().roles, ['learner']);

    const archived = await t.request({ method: 'PATCH', url: `/api/v1/people/${p.id}`, as: org.as.admin, payload: { archived: true } });
    assert.ok(archived.json().archivedAt);
    const audit = await t.db.selectFrom('audit_events').select('type').where('subject_id', '=', p.id).orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.type), ['person.created', 'person.updated', 'person.roles_changed', 'person.archived']);
    const list = await t.request({ method: 'GET', url: '/api/v1/people?q=durand', as: org.as.admin });
    assert.equal(list.json().items.length, 0, 'archived people are hidden by default');
    const withArchived = await t.request({ method: 'GET', url: '/api/v1/people?q=durand&includeArchived=true', as: org.as.admin });
    assert.equal(withArchived.json().items.length, 1);
  });

  test('a duplicate email is a 409 naming body.email, whatever its case', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/people', as: org.as.admin, payload: { email: org.trainer.email.toUpperCase(), givenName: 'X', familyName: 'Y', roles: ['learner'] } });
    assert.equal(res.statusCode, 409, res.body);
    assert.equal(res.json().code, 'duplicate');
    assert.equal(res.json().errors[0].path, 'body.email');
    const patch = await t.request({ method: 'PATCH', url: `/api/v1/people/${org.learner.id}`, as: org.as.admin, payload: { email: org.trainer.email } });
    assert.equal(patch.statusCode, 409);
    // The same email in another organisation is fine.
    const elsewhere = await t.request({ method: 'POST', url: '/api/v1/people', as: other.as.admin, payload: { email: org.trainer.email, givenName: 'X', familyName: 'Y', roles: ['learner'] } });
    assert.equal(elsewhere.statusCode, 201, elsewhere.body);
  });

  test('lists are filtered by role, q and cohort, keyset-paginated by family name, given name, id', async () => {
    const o = await makeOrganisationWithStaff(t.db);
    const names = [['Zoé', 'Martin'], ['Adam', 'Martin'], ['Léa', 'Bernard'], ['Hugo', 'Petit'], ['Inès', 'Martin']];
    for (const [given, family] of names) await makePerson(t.db, o.organisation.id, ['learner'], { givenName: given, familyName: family });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await t.request({ method: 'GET', url: `/api/v1/people?role=learner&limit=2${cursor ? `&cursor=${cursor}` : ''}`, as: o.as.admin });
      assert.equal(page.statusCode, 200, page.body);
      assert.ok(page.json().items.length <= 2);
      seen.push(...page.json().items.map((p: { familyName: string; givenName: string }) => `${p.familyName} ${p.givenName}`));
      cursor = page.json().nextCursor;
    } while (cursor);
    const learners = [...names.map(([g, f]) => `${f} ${g}`), `${o.learner.family_name} ${o.learner.given_name}`].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    assert.deepEqual(seen, learners);

    const q = await t.request({ method: 'GET', url: '/api/v1/people?q=martin', as: o.as.admin });
    assert.deepEqual(q.json().items.map((p: { givenName: string }) => p.givenName), ['Adam', 'Inès', 'Zoé']);
    const qFull = await t.request({ method: 'GET', url: `/api/v1/people?q=${encodeURIComponent('Léa Bernard')}`, as: o.as.admin });
    assert.equal(qFull.json().items.length, 1);
    const byEmail = await t.request({ method: 'GET', url: `/api/v1/people?q=${encodeURIComponent(o.manager.email)}`, as: o.as.admin });
    assert.deepEqual(byEmail.json().items.map((p: { id: string }) => p.id), [o.manager.id]);
    const trainers = await t.request({ method: 'GET', url: '/api/v1/people?role=trainer', as: o.as.admin });
    assert.deepEqual(trainers.json().items.map((p: { id: string }) => p.id), [o.trainer.id]);

    const program = await t.db.insertInto('programs').values({ organisation_id: o.organisation.id, title: 'P' }).returning('id').executeTakeFirstOrThrow();
    const cohort = await t.db.insertInto('cohorts').values({ organisation_id: o.organisation.id, program_id: program.id, name: 'C' }).returning('id').executeTakeFirstOrThrow();
    await t.db.insertInto('enrolments').values({ organisation_id: o.organisation.id, cohort_id: cohort.id, person_id: o.learner.id }).execute();
    await t.db.insertInto('cohort_trainers').values({ organisation_id: o.organisation.id, cohort_id: cohort.id, person_id: o.trainer.id }).execute();
    const inCohort = await t.request({ method: 'GET', url: `/api/v1/people?cohortId=${cohort.id}&role=learner`, as: o.as.admin });
    assert.deepEqual(inCohort.json().items.map((p: { id: string }) => p.id), [o.learner.id]);

    // A trainer sees themselves and their cohort's people only; a learner only themselves.
    const asTrainer = await t.request({ method: 'GET', url: '/api/v1/people?limit=200', as: o.as.trainer });
    assert.deepEqual(asTrainer.json().items.map((p: { id: string }) => p.id).sort(), [o.learner.id, o.trainer.id].sort());
    const asLearner = await t.request({ method: 'GET', url: '/api/v1/people', as: o.as.learner });
    assert.deepEqual(asLearner.json().items.map((p: { id: string }) => p.id), [o.learner.id]);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/people/${o.learner.id}`, as: o.as.trainer })).statusCode, 200);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/people/${o.admin.id}`, as: o.as.trainer })).statusCode, 404);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/people/${o.trainer.id}`, as: o.as.learner })).statusCode, 404);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/people/${o.learner.id}`, as: o.as.learner })).statusCode, 200);

    const badCursor = await t.request({ method: 'GET', url: '/api/v1/people?cursor=garbage', as: o.as.admin });
    assert.equal(badCursor.json().code, 'invalid_cursor');
  });

  test('role rules: only an admin grants admin/manager; managers cannot edit admins; trainers and learners cannot write', async () => {
    const grant = await t.request({ method: 'POST', url: '/api/v1/people', as: org.as.manager, payload: { email: 'boss@example.test', givenName: 'B', familyName: 'Boss', roles: ['manager'] } });
    assert.equal(grant.statusCode, 403, grant.body);
    const promote = await t.request({ method: 'PATCH', url: `/api/v1/people/${org.trainer.id}`, as: org.as.manager, payload: { roles: ['trainer', 'admin'] } });
    assert.equal(promote.statusCode, 403);
    const editAdmin = await t.request({ method: 'PATCH', url: `/api/v1/people/${org.admin.id}`, as: org.as.manager, payload: { archived: true } });
    assert.equal(editAdmin.statusCode, 403);
    const ok = await t.request({ method: 'POST', url: '/api/v1/people', as: org.as.manager, payload: { email: 'trainer2@example.test', givenName: 'T', familyName: 'Two', roles: ['trainer'] } });
    assert.equal(ok.statusCode, 201);
    const byAdmin = await t.request({ method: 'POST', url: '/api/v1/people', as: org.as.admin, payload: { email: 'mgr2@example.test', givenName: 'M', familyName: 'Two', roles: ['manager'] } });
    assert.equal(byAdmin.statusCode, 201);
    for (const as of [org.as.trainer, org.as.learner]) {
      assert.equal((await t.request({ method: 'POST', url: '/api/v1/people', as, payload: { email: 'x@example.test', givenName: 'X', familyName: 'X', roles: ['learner'] } })).statusCode, 403);
      assert.equal((await t.request({ method: 'PATCH', url: `/api/v1/people/${org.learner.id}`, as, payload: { givenName: 'Hacked' } })).statusCode, 403);
    }
    assert.equal((await t.request({ method: 'POST', url: '/api/v1/people', as: org.as.readKey, payload: { email: 'x@example.test', givenName: 'X', familyName: 'X', roles: ['learner'] } })).json().code, 'scope_insufficient');
    // The last admin cannot be demoted or archived.
    const o = await makeOrganisationWithStaff(t.db);
    const demote = await t.request({ method: 'PATCH', url: `/api/v1/people/${o.admin.id}`, as: o.as.admin, payload: { roles: ['manager'] } });
    assert.equal(demote.statusCode, 409, demote.body);
    // A generic code says why with a stable reason, for a detail in the reader's language.
    assert.deepEqual({ ...(demote.json() as object), instance: undefined }, {
      type: 'urn:emarge:problem:conflict',
      title: 'The request conflicts with the current state',
      status: 409,
      code: 'conflict',
      detail: 'This is the last active admin of the organisation; make someone else admin first.',
      instance: undefined,
      reason: 'last_admin',
    });
  });

  test('bad input is refused with the field named, and nothing is written', async () => {
    const before = await t.db.selectFrom('people').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const base = { email: 'new@example.test', givenName: 'N', familyName: 'Ew', roles: ['learner'] };
    const cases: Array<{ payload: unknown; path: string }> = [
      { payload: { ...base, email: 'not-an-email' }, path: 'body.email' },
      { payload: { ...base, roles: [] }, path: 'body.roles' },
      { payload: { ...base, roles: ['owner'] }, path: 'body.roles.0' },
      { payload: { ...base, password: 'short' }, path: 'body.password' },
      { payload: { ...base, givenName: '   ' }, path: 'body.givenName' },
      { payload: { ...base, familyName: 7 }, path: 'body.familyName' },
      { payload: { ...base, isAdmin: true }, path: 'body' },
    ];
    for (const c of cases) {
      const res = await t.request({ method: 'POST', url: '/api/v1/people', as: org.as.admin, payload: c.payload as never });
      assert.equal(res.statusCode, 400, `${JSON.stringify(c.payload)} → ${res.body}`);
      assert.equal(res.json().code, 'validation_failed');
      assert.ok(res.json().errors.some((e: { path: string }) => e.path === c.path), `${c.path} in ${res.body}`);
    }
    // Our own wordings carry their code and params (a refinement's, a fixed message's found back by its text).
    const items = async (payload: unknown) => (await t.request({ method: 'POST', url: '/api/v1/people', as: org.as.admin, payload: payload as never })).json().errors;
    assert.deepEqual(await items({ ...base, password: 'short' }), [{ path: 'body.password', message: 'must be at least 10 characters long', code: 'password_too_short', params: { min: 10 } }]);
    assert.deepEqual(await items({ ...base, roles: [] }), [{ path: 'body.roles', message: 'must list at least one role', code: 'roles_required' }]);
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/people/not-a-uuid', as: org.as.admin })).statusCode, 400);
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/people?role=boss', as: org.as.admin })).statusCode, 400);
    const afterCount = await t.db.selectFrom('people').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(afterCount.n), Number(before.n));
  });

  test('another organisation gets 404 for these people', async () => {
    for (const method of ['GET', 'PATCH'] as const) {
      const res = await t.request({ method, url: `/api/v1/people/${org.learner.id}`, as: other.as.admin, ...(method === 'PATCH' ? { payload: { givenName: 'stolen' } } : {}) });
      assert.equal(res.statusCode, 404);
    }
  });
});

describe('organisation API', () => {
  let t: TestContext;
  let org: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  before(async () => {
    t = await createTestContext();
    org = await makeOrganisationWithStaff(t.db);
  });
  after(() => t.close());

  test('members read it; admins update name, time zone and locale; bad zones are refused', async () => {
    const got = await t.request({ method: 'GET', url: '/api/v1/organisation', as: org.as.learner });
    assert.equal(got.statusCode, 200);
    assert.equal(got.json().id, org.organisation.id);
    assert.equal(got.json().timezone, 'Europe/Paris');
    const patched = await t.request({ method: 'PATCH', url: '/api/v1/organisation', as: org.as.admin, payload: { name: 'Nouveau nom', timezone: 'America/Cayenne', locale: 'en' } });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.deepEqual([patched.json().name, patched.json().timezone, patched.json().locale], ['Nouveau nom', 'America/Cayenne', 'en']);
    for (const payload of [{ timezone: 'Mars/Olympus' }, { timezone: 'CET+1' }, { locale: 'de' }, { name: '' }, { slug: 'x' }]) {
      const res = await t.request({ method: 'PATCH', url: '/api/v1/organisation', as: org.as.admin, payload });
      assert.equal(res.statusCode, 400, `${JSON.stringify(payload)} → ${res.body}`);
    }
    assert.equal((await t.request({ method: 'PATCH', url: '/api/v1/organisation', as: org.as.manager, payload: { name: 'x' } })).statusCode, 403);
    const audit = await t.db.selectFrom('audit_events').select('type').where('subject_id', '=', org.organisation.id).execute();
    assert.deepEqual(audit.map((a) => a.type), ['organisation.updated']);
  });
});
