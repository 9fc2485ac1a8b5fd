import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeOrganisationWithStaff, makePerson } from '../../../test/factories.ts';
import { hashPassword } from './password.ts';

const PASSWORD = 'correct horse battery staple';
const BROWSER = { 'user-agent': 'Mozilla/5.0 (B admin laptop)' };

/**
 * Organisation A's admin creates a person with the email of organisation B's
 * admin (any admin may create a person with any email). Nothing B's admin does
 * to sign in may then show up in A: not in A's audit log, not in A's outbox.
 */
describe('one email in two organisations: neither sees the other’s sign-ins', () => {
  let t: TestContext;
  let a: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  let b: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  let bAdmin: Awaited<ReturnType<typeof makePerson>>;
  const email = 'boss@beta.test';

  before(async () => {
    t = await createTestContext({ env: { RATE_LIMIT_SIGN_IN_PER_MINUTE: '1000' } });
    a = await makeOrganisationWithStaff(t.db);
    b = await makeOrganisationWithStaff(t.db);
    bAdmin = await makePerson(t.db, b.organisation.id, ['admin'], { email, passwordHash: await hashPassword(PASSWORD) });
  });
  after(() => t.close());

  /** What A's admin reads through the API: its audit trail and its outbox. */
  async function whatASees() {
    const audit = await t.request({ method: 'GET', url: '/api/v1/audit-events?limit=100', as: a.as.admin });
    const outbox = await t.request({ method: 'GET', url: '/api/v1/outbox?limit=100', as: a.as.admin });
    assert.equal(audit.statusCode, 200, audit.body);
    assert.equal(outbox.statusCode, 200, outbox.body);
    return {
      authEvents: audit.json().items.filter((e: { type: string }) => e.type.startsWith('auth.')),
      mails: outbox.json().items.filter((m: { to: string; toAddress?: string }) => JSON.stringify(m).includes(email)),
    };
  }

  async function bAuthEvents(type: string) {
    return t.db.selectFrom('audit_events').select(['organisation_id', 'subject_id', 'payload', 'user_agent']).where('type', '=', type).where('subject_id', '=', bAdmin.id).execute();
  }

  test('A creates a person with B’s admin email, without a password: B’s failed sign-ins stay in B', async () => {
    const created = await t.request({ method: 'POST', url: '/api/v1/people', as: a.as.admin, payload: { email, givenName: 'Shadow', familyName: 'Copy', roles: ['learner'] } });
    assert.equal(created.statusCode, 201, created.body);
    const baseline = await whatASees();

    const wrong = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', headers: BROWSER, payload: { email, password: 'a wrong guess' } });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().code, 'invalid_credentials');

    assert.deepEqual(await whatASees(), baseline, 'A’s audit log and outbox are unchanged');
    const inB = await bAuthEvents('auth.sign_in_failed');
    assert.equal(inB.length, 1, 'the failure is recorded where a password could have opened an account: B');
    assert.equal(inB[0]!.organisation_id, b.organisation.id);
    assert.equal(inB[0]!.user_agent, BROWSER['user-agent']);

    const right = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', headers: BROWSER, payload: { email, password: PASSWORD } });
    assert.equal(right.statusCode, 200, right.body);
    assert.equal(right.json().organisation.id, b.organisation.id, 'the password opens B only');
    assert.deepEqual(await whatASees(), baseline, 'still nothing in A');
  });

  test('a magic link asked without naming the organisation goes to neither; naming B, to B only', async () => {
    const baseline = await whatASees();
    const mailsBefore = await t.db.selectFrom('outbox_mails').select(['organisation_id']).where('to_address', '=', email).execute();
    const linksBefore = await t.db.selectFrom('magic_links').select('person_id').execute();

    const unnamed = await t.request({ method: 'POST', url: '/api/v1/auth/magic-link', headers: BROWSER, payload: { email } });
    assert.equal(unnamed.statusCode, 202);
    const unknown = await t.request({ method: 'POST', url: '/api/v1/auth/magic-link', headers: BROWSER, payload: { email: 'nobody@nowhere.test' } });
    assert.deepEqual(unnamed.json(), unknown.json(), 'answered like an unknown email');
    assert.deepEqual(await whatASees(), baseline);
    assert.equal((await t.db.selectFrom('magic_links').select('person_id').execute()).length, linksBefore.length, 'no link issued anywhere');

    const named = await t.request({ method: 'POST', url: '/api/v1/auth/magic-link', headers: BROWSER, payload: { email, organisation: b.organisation.slug } });
    assert.equal(named.statusCode, 202);
    assert.deepEqual(await whatASees(), baseline, 'A sees nothing of B’s link');
    const mailsAfter = await t.db.selectFrom('outbox_mails').select(['organisation_id']).where('to_address', '=', email).execute();
    assert.deepEqual(mailsAfter.slice(mailsBefore.length).map((m) => m.organisation_id), [b.organisation.id], 'one mail, in B’s outbox');
    const requested = await bAuthEvents('auth.magic_link_requested');
    assert.equal(requested.length, 1);
    assert.equal(requested[0]!.organisation_id, b.organisation.id);
  });

  test('A gives its copy a password too: a failure that could target either is recorded in neither', async () => {
    const shadow = await t.db.selectFrom('people').select('id').where('organisation_id', '=', a.organisation.id).where('email', '=', email).executeTakeFirstOrThrow();
    await t.db.updateTable('people').set({ password_hash: await hashPassword('the shadow password') }).where('id', '=', shadow.id).execute();
    const baseline = await whatASees();
    const failedInB = (await bAuthEvents('auth.sign_in_failed')).length;

    const wrong = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', headers: BROWSER, payload: { email, password: 'another wrong guess' } });
    assert.equal(wrong.statusCode, 401);
    assert.deepEqual(await whatASees(), baseline, 'nothing in A');
    assert.equal((await bAuthEvents('auth.sign_in_failed')).length, failedInB, 'nor in B: the attempt was aimed at no one organisation');

    const namedB = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', headers: BROWSER, payload: { email, password: 'a third guess', organisation: b.organisation.slug } });
    assert.equal(namedB.statusCode, 401);
    assert.equal((await bAuthEvents('auth.sign_in_failed')).length, failedInB + 1, 'aimed at B by its slug: recorded in B');
    assert.deepEqual(await whatASees(), baseline, 'and still nothing in A');

    const shadowSignIn = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email, password: 'the shadow password' } });
    assert.equal(shadowSignIn.json().organisation?.id, a.organisation.id, 'A’s own password opens A’s own person only');
    const bStill = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email, password: PASSWORD } });
    assert.equal(bStill.json().organisation?.id, b.organisation.id);
  });
});
