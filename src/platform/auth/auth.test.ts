import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeOrganisation, makeOrganisationWithStaff, makePerson } from '../../../test/factories.ts';
import { SESSION_COOKIE } from './authenticate.ts';
import { hashPassword } from './password.ts';
import { hashToken } from './tokens.ts';

const PASSWORD = 'correct horse battery staple';

function sessionCookie(res: { cookies: Array<{ name: string; value: string; [k: string]: unknown }> }) {
  const c = res.cookies.find((x) => x.name === SESSION_COOKIE);
  assert.ok(c, 'a session cookie is set');
  return c;
}

/** The magic-link token in the newest mail to `to` (read from the outbox table). */
async function latestLinkToken(t: TestContext, to: string): Promise<string> {
  const mail = await t.db.selectFrom('outbox_mails').select(['text_body']).where('to_address', '=', to).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
  const m = /\/auth\/magic\?token=([A-Za-z0-9_-]+)/.exec(mail.text_body);
  assert.ok(m, mail.text_body);
  return m[1]!;
}

describe('authentication', () => {
  let t: TestContext;
  let org: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  let alice: Awaited<ReturnType<typeof makePerson>>;
  before(async () => {
    // A high limit here; the rate limit has its own context below.
    t = await createTestContext({ env: { RATE_LIMIT_SIGN_IN_PER_MINUTE: '1000' } });
    org = await makeOrganisationWithStaff(t.db);
    alice = await makePerson(t.db, org.organisation.id, ['manager', 'trainer'], { email: 'alice@example.test', givenName: 'Alice', familyName: 'Martin', passwordHash: await hashPassword(PASSWORD) });
  });
  after(() => t.close());

  test('email + password signs in: SessionInfo, an httpOnly SameSite=Lax cookie, an audited session', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: '  Alice@Example.TEST ', password: PASSWORD } });
    assert.equal(res.statusCode, 200, res.body);
    const info = res.json();
    assert.equal(info.person.id, alice.id);
    assert.equal(info.person.email, 'alice@example.test');
    assert.deepEqual(info.person.roles, ['manager', 'trainer']);
    assert.equal(info.organisation.id, org.organisation.id);
    assert.equal(info.organisation.slug, org.organisation.slug);
    assert.equal(info.organisation.timezone, 'Europe/Paris');
    assert.ok(info.csrfToken.length >= 16);
    assert.equal(info.expiresAt, new Date(t.clock.now().getTime() + t.config.sessionTtlHours * 3600_000).toISOString());

    const cookie = sessionCookie(res);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.path, '/');
    assert.equal(cookie.secure, undefined, 'not Secure on an http:// PUBLIC_URL');
    assert.equal(cookie.maxAge, t.config.sessionTtlHours * 3600);

    const row = await t.db.selectFrom('auth_sessions').selectAll().where('token_hash', '=', hashToken(cookie.value)).executeTakeFirstOrThrow();
    assert.equal(row.person_id, alice.id);
    assert.equal(row.csrf_token, info.csrfToken);
    assert.equal(row.method, 'password');
    const audit = await t.db.selectFrom('audit_events').selectAll().where('subject_id', '=', alice.id).where('type', '=', 'auth.signed_in').execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actor_id, alice.id);
    assert.deepEqual(audit[0]!.payload, { method: 'password' });

    const session = await t.request({ method: 'GET', url: '/api/v1/auth/session', headers: { cookie: `${SESSION_COOKIE}=${cookie.value}` } });
    assert.equal(session.statusCode, 200, session.body);
    assert.deepEqual(session.json(), info);
  });

  test('a wrong password and an unknown email get the same answer; the failure is audited, no session is made', async () => {
    const sessionsBefore = await t.db.selectFrom('auth_sessions').select('token_hash').where('person_id', '=', alice.id).execute();
    const wrong = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'alice@example.test', password: 'not the password' } });
    const unknown = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'nobody@example.test', password: 'not the password' } });
    const noPassword = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: org.learner.email, password: 'anything at all' } });
    for (const res of [wrong, unknown, noPassword]) {
      assert.equal(res.statusCode, 401);
      assert.match(String(res.headers['content-type']), /application\/problem\+json/);
      assert.equal(res.headers['set-cookie'], undefined);
    }
    assert.deepEqual(wrong.json(), unknown.json());
    assert.deepEqual(noPassword.json(), unknown.json());
    assert.equal(unknown.json().code, 'invalid_credentials');

    const failed = await t.db.selectFrom('audit_events').selectAll().where('type', '=', 'auth.sign_in_failed').where('subject_id', '=', alice.id).execute();
    assert.equal(failed.length, 1);
    assert.deepEqual(failed[0]!.payload, { email: 'alice@example.test', reason: 'wrong_password' });
    assert.equal(failed[0]!.organisation_id, org.organisation.id);
    const sessionsAfter = await t.db.selectFrom('auth_sessions').select('token_hash').where('person_id', '=', alice.id).execute();
    assert.equal(sessionsAfter.length, sessionsBefore.length);
  });

  test('bad input is a 400 naming the field', async () => {
    const missing = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'alice@example.test' } });
    assert.equal(missing.statusCode, 400);
    assert.ok(missing.json().errors.some((e: { path: string }) => e.path === 'body.password'), missing.body);
    const extra = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'alice@example.test', password: 'x', remember: true } });
    assert.equal(extra.statusCode, 400);
    assert.equal(extra.json().code, 'validation_failed');
  });

  test('GET /auth/session: 401 without a session, and for API keys', async () => {
    const none = await t.request({ method: 'GET', url: '/api/v1/auth/session' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().code, 'unauthenticated');
    const bogus = await t.request({ method: 'GET', url: '/api/v1/auth/session', headers: { cookie: `${SESSION_COOKIE}=not-a-session` } });
    assert.equal(bogus.statusCode, 401);
    const key = await t.request({ method: 'GET', url: '/api/v1/auth/session', as: org.as.apiKey });
    assert.equal(key.statusCode, 401);
  });

  test('sign-out needs the CSRF token, ends the session and clears the cookie', async () => {
    const signedIn = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'alice@example.test', password: PASSWORD } });
    const token = sessionCookie(signedIn).value;
    const cookie = `${SESSION_COOKIE}=${token}`;
    const csrf = signedIn.json().csrfToken as string;

    const noCsrf = await t.request({ method: 'POST', url: '/api/v1/auth/sign-out', headers: { cookie } });
    assert.equal(noCsrf.statusCode, 403);
    assert.equal(noCsrf.json().code, 'csrf_failed');
    const wrongCsrf = await t.request({ method: 'POST', url: '/api/v1/auth/sign-out', headers: { cookie, 'x-csrf-token': 'x'.repeat(csrf.length) } });
    assert.equal(wrongCsrf.json().code, 'csrf_failed');
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/auth/session', headers: { cookie } })).statusCode, 200);

    const out = await t.request({ method: 'POST', url: '/api/v1/auth/sign-out', headers: { cookie, 'x-csrf-token': csrf } });
    assert.equal(out.statusCode, 204, out.body);
    const cleared = sessionCookie(out);
    assert.equal(cleared.value, '');
    assert.ok(cleared.expires instanceof Date && cleared.expires.getTime() <= Date.now());
    assert.equal(await t.db.selectFrom('auth_sessions').select('token_hash').where('token_hash', '=', hashToken(token)).executeTakeFirst(), undefined);
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/auth/session', headers: { cookie } })).statusCode, 401);
    const audit = await t.db.selectFrom('audit_events').select('type').where('subject_id', '=', alice.id).where('type', '=', 'auth.signed_out').execute();
    assert.equal(audit.length, 1);
    // Signing out again (cookie now unknown) is harmless.
    assert.equal((await t.request({ method: 'POST', url: '/api/v1/auth/sign-out', headers: { cookie } })).statusCode, 204);
  });

  test('signing in while carrying an old session cookie (no CSRF header) works and replaces that session', async () => {
    const first = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'alice@example.test', password: PASSWORD } });
    const oldToken = sessionCookie(first).value;
    const again = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', headers: { cookie: `${SESSION_COOKIE}=${oldToken}` }, payload: { email: 'alice@example.test', password: PASSWORD } });
    assert.equal(again.statusCode, 200, again.body);
    assert.notEqual(sessionCookie(again).value, oldToken);
    assert.equal(await t.db.selectFrom('auth_sessions').select('token_hash').where('token_hash', '=', hashToken(oldToken)).executeTakeFirst(), undefined);
    // A stale or unknown cookie does not get in the way either.
    const stale = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', headers: { cookie: `${SESSION_COOKIE}=long-gone` }, payload: { email: 'alice@example.test', password: PASSWORD } });
    assert.equal(stale.statusCode, 200, stale.body);
  });

  test('an expired session is refused', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'alice@example.test', password: PASSWORD } });
    const cookie = `${SESSION_COOKIE}=${sessionCookie(res).value}`;
    t.clock.advance(t.config.sessionTtlHours * 3600_000 + 1000);
    try {
      assert.equal((await t.request({ method: 'GET', url: '/api/v1/auth/session', headers: { cookie } })).statusCode, 401);
    } finally {
      t.clock.advance(-(t.config.sessionTtlHours * 3600_000 + 1000));
    }
  });

  test('an archived person cannot sign in', async () => {
    const bob = await makePerson(t.db, org.organisation.id, ['trainer'], { email: 'bob@example.test', passwordHash: await hashPassword(PASSWORD) });
    await t.db.updateTable('people').set({ archived_at: new Date() }).where('id', '=', bob.id).execute();
    const res = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'bob@example.test', password: PASSWORD } });
    assert.equal(res.json().code, 'invalid_credentials');
  });

  test('an email in several organisations: 409 organisation_ambiguous, then the slug chooses', async () => {
    const a = await makeOrganisation(t.db, { name: 'Alpha Formation' });
    const b = await makeOrganisation(t.db, { name: 'Beta Formation' });
    const c = await makeOrganisation(t.db, { name: 'Gamma Formation' });
    const hash = await hashPassword(PASSWORD);
    const inA = await makePerson(t.db, a.id, ['trainer'], { email: 'multi@example.test', passwordHash: hash });
    const inB = await makePerson(t.db, b.id, ['learner'], { email: 'multi@example.test', passwordHash: hash });
    await makePerson(t.db, c.id, ['learner'], { email: 'multi@example.test', passwordHash: await hashPassword('another password entirely') });

    const ambiguous = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'multi@example.test', password: PASSWORD } });
    assert.equal(ambiguous.statusCode, 409, ambiguous.body);
    assert.equal(ambiguous.json().code, 'organisation_ambiguous');
    assert.deepEqual(
      ambiguous.json().organisations.map((o: { slug: string }) => o.slug).sort(),
      [a.slug, b.slug].sort(),
      'only the organisations this password opens',
    );
    assert.equal(ambiguous.headers['set-cookie'], undefined);

    const chosen = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'multi@example.test', password: PASSWORD, organisation: b.slug } });
    assert.equal(chosen.statusCode, 200, chosen.body);
    assert.equal(chosen.json().person.id, inB.id);
    assert.equal(chosen.json().organisation.id, b.id);

    const onlyC = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'multi@example.test', password: 'another password entirely' } });
    assert.equal(onlyC.statusCode, 200, 'the one organisation this password opens');
    assert.equal(onlyC.json().organisation.id, c.id);

    const wrongOrg = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'multi@example.test', password: PASSWORD, organisation: 'no-such-org' } });
    assert.equal(wrongOrg.json().code, 'invalid_credentials');
    assert.ok(inA.id);
  });

  test('magic link: always 202, single use, signs in, and cannot be replayed', async () => {
    const learnerEmail = org.learner.email;
    const known = await t.request({ method: 'POST', url: '/api/v1/auth/magic-link', payload: { email: learnerEmail.toUpperCase() } });
    const unknown = await t.request({ method: 'POST', url: '/api/v1/auth/magic-link', payload: { email: 'nobody@example.test' } });
    assert.equal(known.statusCode, 202, known.body);
    assert.equal(unknown.statusCode, 202);
    assert.deepEqual(known.json(), { sent: true });
    assert.deepEqual(unknown.json(), known.json());
    assert.equal(await t.db.selectFrom('outbox_mails').select('id').where('to_address', '=', 'nobody@example.test').executeTakeFirst(), undefined);

    const link = await t.db.selectFrom('magic_links').selectAll().where('person_id', '=', org.learner.id).executeTakeFirstOrThrow();
    assert.equal(link.expires_at.getTime(), t.clock.now().getTime() + t.config.magicLinkTtlMinutes * 60_000);
    const requested = await t.db.selectFrom('audit_events').select(['type', 'payload']).where('subject_id', '=', org.learner.id).where('type', '=', 'auth.magic_link_requested').execute();
    assert.equal(requested.length, 1);

    const token = await latestLinkToken(t, learnerEmail);
    assert.equal(link.token_hash, hashToken(token), 'only the hash is stored');
    const used = await t.request({ method: 'POST', url: '/api/v1/auth/magic-link/consume', payload: { token } });
    assert.equal(used.statusCode, 200, used.body);
    assert.equal(used.json().person.id, org.learner.id);
    assert.deepEqual(used.json().person.roles, ['learner']);
    const cookie = `${SESSION_COOKIE}=${sessionCookie(used).value}`;
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/auth/session', headers: { cookie } })).json().person.id, org.learner.id);
    const row = await t.db.selectFrom('auth_sessions').select('method').where('token_hash', '=', hashToken(sessionCookie(used).value)).executeTakeFirstOrThrow();
    assert.equal(row.method, 'magic_link');

    const replay = await t.request({ method: 'POST', url: '/api/v1/auth/magic-link/consume', payload: { token } });
    assert.equal(replay.statusCode, 401);
    assert.equal(replay.json().code, 'link_invalid');
    const forged = await t.request({ method: 'POST', url: '/api/v1/auth/magic-link/consume', payload: { token: 'x'.repeat(43) } });
    assert.equal(forged.json().code, 'link_invalid');
  });

  test('two simultaneous uses of one link: exactly one signs in', async () => {
    await t.request({ method: 'POST', url: '/api/v1/auth/magic-link', payload: { email: org.trainer.email } });
    const token = await latestLinkToken(t, org.trainer.email);
    const results = await Promise.all([1, 2, 3].map(() => t.request({ method: 'POST', url: '/api/v1/auth/magic-link/consume', payload: { token } })));
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 401, 401]);
  });

  test('an expired magic link is refused', async () => {
    await t.request({ method: 'POST', url: '/api/v1/auth/magic-link', payload: { email: org.manager.email } });
    const token = await latestLinkToken(t, org.manager.email);
    t.clock.advance(t.config.magicLinkTtlMinutes * 60_000 + 1000);
    try {
      const res = await t.request({ method: 'POST', url: '/api/v1/auth/magic-link/consume', payload: { token } });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().code, 'link_invalid');
    } finally {
      t.clock.advance(-(t.config.magicLinkTtlMinutes * 60_000 + 1000));
    }
    const link = await t.db.selectFrom('magic_links').select('used_at').where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow();
    assert.equal(link.used_at, null);
  });
});

describe('sign-in rate limit and secure cookies', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext({ env: { RATE_LIMIT_SIGN_IN_PER_MINUTE: '3', COOKIE_SECURE: 'true' } });
  });
  after(() => t.close());

  test('the cookie is Secure when configured', async () => {
    const org = await makeOrganisation(t.db);
    await makePerson(t.db, org.id, ['admin'], { email: 'secure@example.test', passwordHash: await hashPassword(PASSWORD) });
    const res = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'secure@example.test', password: PASSWORD } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(sessionCookie(res).secure, true);
  });

  test('one email is limited to N attempts a minute (429 rate_limited + Retry-After), other emails are not', async () => {
    const attempt = (email: string) => t.request({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email, password: 'wrong password' } });
    for (let i = 0; i < 3; i++) assert.equal((await attempt('target@example.test')).statusCode, 401);
    const limited = await attempt('TARGET@example.test');
    assert.equal(limited.statusCode, 429, limited.body);
    assert.equal(limited.json().code, 'rate_limited');
    assert.match(String(limited.headers['content-type']), /application\/problem\+json/);
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${limited.headers['retry-after']}`);
    assert.equal((await attempt('someone-else@example.test')).statusCode, 401);
    const magic = await t.request({ method: 'POST', url: '/api/v1/auth/magic-link', payload: { email: 'target@example.test' } });
    assert.equal(magic.statusCode, 202, 'sign-in and magic links count separately');
  });

  test('one address is limited to 5 × N attempts a minute whatever the emails', async () => {
    // One magic-link request from this address already in this window (above); the per-address cap is 5 × 3 = 15.
    const codes: number[] = [];
    for (let i = 0; i < 15; i++) {
      const res = await t.request({ method: 'POST', url: '/api/v1/auth/magic-link', payload: { email: `p${i}@example.test` } });
      codes.push(res.statusCode);
    }
    assert.deepEqual(codes, [...Array(14).fill(202), 429]);
  });
});
