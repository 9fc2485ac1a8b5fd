import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { startSmtpServer } from '../../../test/smtp-server.ts';
import { makeOrganisationWithStaff } from '../../../test/factories.ts';
import { withTenant } from '../db/tenant.ts';
import { deliverPendingMails, MAX_ATTEMPTS } from './deliver-pending-mails.ts';
import { enqueueMail } from './enqueue-mail.ts';
import { formatInZone, renderMagicLinkMail } from './magic-link-mail.ts';
import type { MailTransport } from './mail-transport.ts';
import { createMailTransport } from './smtp-transport.ts';


/** The decoded text/plain part and the Subject of a raw MIME message. */
function parseMessage(raw: string): { subject: string; text: string } {
  const [head] = raw.split(/\r?\n\r?\n/, 1);
  const unfolded = head!.replace(/\r?\n[ \t]+/g, ' ');
  const subject = /^Subject: (.*)$/im.exec(unfolded)?.[1] ?? '';
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(unfolded)?.[1];
  const parts = boundary ? raw.split(`--${boundary}`) : [raw];
  const plain = parts.find((p) => /Content-Type: text\/plain/i.test(p));
  assert.ok(plain, 'a text/plain part');
  const split = plain.search(/\r?\n\r?\n/);
  const headers = plain.slice(0, split);
  const body = plain.slice(split).trim();
  const encoding = /Content-Transfer-Encoding: (\S+)/i.exec(headers)?.[1]?.toLowerCase();
  let text: string;
  if (encoding === 'base64') text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  else if (encoding === 'quoted-printable') {
    const joined = body.replace(/=\r?\n/g, '');
    const bytes: number[] = [];
    for (let i = 0; i < joined.length; i++) {
      if (joined[i] === '=' && /^[0-9A-F]{2}$/i.test(joined.slice(i + 1, i + 3))) {
        bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(...Buffer.from(joined[i]!, 'utf8'));
    }
    text = Buffer.from(bytes).toString('utf8');
  } else text = body;
  return { subject, text: text.replace(/\r\n/g, '\n') };
}

const tokenIn = (text: string) => /\/auth\/magic\?token=([A-Za-z0-9_-]+)/.exec(text)?.[1];

describe('mail over real SMTP', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let transport: MailTransport;
  let t: TestContext;
  let org: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  before(async () => {
    smtp = await startSmtpServer();
    const smtpUrl = `smtp://127.0.0.1:${smtp.port}`;
    transport = createMailTransport({ smtpUrl })!;
    t = await createTestContext({ env: { SMTP_URL: smtpUrl, MAIL_FROM: 'Emarge Test <no-reply@emarge.test>', PUBLIC_URL: 'https://emarge.example.org' }, mailTransport: transport });
    org = await makeOrganisationWithStaff(t.db);
    await t.db.updateTable('organisations').set({ locale: 'en', timezone: 'Europe/London', name: 'Acme Training' }).where('id', '=', org.organisation.id).execute();
  });
  after(async () => {
    await t.close();
    await transport.close();
    await smtp.close();
  });

  test('a magic-link request ends up as a real message whose link signs in', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/auth/magic-link', payload: { email: org.learner.email } });
    assert.equal(res.statusCode, 202);
    const report = await t.app.mail.flush();
    assert.equal(report.sent, 1, JSON.stringify(report));
    assert.equal(smtp.received.length, 1);

    const message = smtp.received[0]!;
    assert.deepEqual(message.to, [org.learner.email]);
    assert.equal(message.from, 'no-reply@emarge.test');
    const { subject, text } = parseMessage(message.raw);
    assert.equal(subject, 'Your sign-in link for Acme Training');
    assert.match(text, /^Hello Test,/);
    assert.match(text, /https:\/\/emarge\.example\.org\/auth\/magic\?token=/);
    // 07:00Z + 30 min, written in the organisation's zone with its name.
    assert.match(text, /expires on Monday, 2 March 2026 at 07:30 \(Europe\/London\)/);
    assert.match(message.raw, /Content-Type: text\/html/i);

    const row = await t.db.selectFrom('outbox_mails').selectAll().where('to_address', '=', org.learner.email).executeTakeFirstOrThrow();
    assert.equal(row.status, 'sent');
    assert.equal(row.attempts, 1);
    assert.equal(row.sent_at?.toISOString(), t.clock.now().toISOString());

    const token = tokenIn(text);
    assert.ok(token, text);
    const signedIn = await t.request({ method: 'POST', url: '/api/v1/auth/magic-link/consume', payload: { token } });
    assert.equal(signedIn.statusCode, 200, signedIn.body);
    assert.equal(signedIn.json().person.id, org.learner.id);
  });

  test('a temporary SMTP failure is retried with backoff; a permanent one fails at once', async () => {
    smtp.state.mode = 'defer';
    const id = await withTenant(t.db, org.organisation.id, (trx) => enqueueMail(trx, { organisationId: org.organisation.id, to: 'later@example.test', subject: 'Retry me', text: 'body' }));
    const first = await t.app.mail.flush();
    assert.equal(first.retrying, 1, JSON.stringify(first));
    let row = await t.db.selectFrom('outbox_mails').selectAll().where('id', '=', id.id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'pending');
    assert.equal(row.attempts, 1);
    assert.match(row.last_error ?? '', /451/);
    assert.equal(row.next_attempt_at?.getTime(), t.clock.now().getTime() + 60_000);

    smtp.state.mode = 'accept';
    assert.equal((await t.app.mail.flush()).sent, 0, 'not due before its backoff');
    t.clock.advance(61_000);
    assert.equal((await t.app.mail.flush()).sent, 1);
    row = await t.db.selectFrom('outbox_mails').selectAll().where('id', '=', id.id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'sent');
    assert.equal(row.attempts, 2);
    assert.equal(row.last_error, null);

    smtp.state.mode = 'reject';
    const bad = await withTenant(t.db, org.organisation.id, (trx) => enqueueMail(trx, { organisationId: org.organisation.id, to: 'nobody@example.test', subject: 'Bounce', text: 'body' }));
    assert.equal((await t.app.mail.flush()).failed, 1);
    row = await t.db.selectFrom('outbox_mails').selectAll().where('id', '=', bad.id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'failed');
    assert.match(row.last_error ?? '', /550/);
    smtp.state.mode = 'accept';
  });

  test(`a mail that keeps failing is marked failed after ${MAX_ATTEMPTS} attempts`, async () => {
    smtp.state.mode = 'defer';
    const { id } = await withTenant(t.db, org.organisation.id, (trx) => enqueueMail(trx, { organisationId: org.organisation.id, to: 'busy@example.test', subject: 'Busy', text: 'body' }));
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      await t.app.mail.flush();
      t.clock.advance(2 * 3600_000);
    }
    const row = await t.db.selectFrom('outbox_mails').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'failed');
    assert.equal(row.attempts, MAX_ATTEMPTS);
    smtp.state.mode = 'accept';
  });

  test('concurrent delivery passes send each mail exactly once', async () => {
    const before = smtp.received.length;
    for (let i = 0; i < 8; i++) {
      await withTenant(t.db, org.organisation.id, (trx) => enqueueMail(trx, { organisationId: org.organisation.id, to: `c${i}@example.test`, subject: `Concurrent ${i}`, text: 'body' }));
    }
    const reports = await Promise.all([1, 2, 3].map(() => deliverPendingMails(t.db, transport, t.config.mailFrom, t.clock)));
    assert.equal(reports.reduce((n, r) => n + r.sent, 0), 8);
    const subjects = smtp.received.slice(before).map((m) => parseMessage(m.raw).subject).sort();
    assert.deepEqual(subjects, Array.from({ length: 8 }, (_, i) => `Concurrent ${i}`).sort());
  });

  test('a mail exists only if its transaction commits', async () => {
    await assert.rejects(
      withTenant(t.db, org.organisation.id, async (trx) => {
        await enqueueMail(trx, { organisationId: org.organisation.id, to: 'ghost@example.test', subject: 'Ghost', text: 'body' });
        throw new Error('the change failed');
      }),
      /the change failed/,
    );
    assert.equal(await t.db.selectFrom('outbox_mails').select('id').where('to_address', '=', 'ghost@example.test').executeTakeFirst(), undefined);
  });
});

describe('mail without SMTP: the outbox', () => {
  let t: TestContext;
  let org: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  let other: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  before(async () => {
    t = await createTestContext();
    org = await makeOrganisationWithStaff(t.db);
    other = await makeOrganisationWithStaff(t.db);
  });
  after(() => t.close());

  test('mail is stored, readable at GET /outbox by admins and managers, and its link works', async () => {
    assert.equal((await t.request({ method: 'POST', url: '/api/v1/auth/magic-link', payload: { email: org.learner.email } })).statusCode, 202);
    const pending = (await t.request({ method: 'GET', url: '/api/v1/outbox?status=pending', as: org.as.admin })).json();
    assert.equal(pending.items.length, 1, 'pending until a delivery pass');
    const report = await t.app.mail.flush();
    assert.deepEqual(report, { sent: 0, stored: 1, retrying: 0, failed: 0 });

    const list = await t.request({ method: 'GET', url: '/api/v1/outbox', as: org.as.manager });
    assert.equal(list.statusCode, 200, list.body);
    const [mail] = list.json().items;
    assert.equal(mail.status, 'stored');
    assert.equal(mail.to, org.learner.email);
    assert.equal(mail.subject, `Votre lien de connexion à ${org.organisation.name}`);
    assert.match(mail.text, /^Bonjour Test,/);
    assert.match(mail.text, /expire le lundi 2 mars 2026 à 08:30 \(Europe\/Paris\)/);
    assert.match(mail.html, /<a href="http:\/\/localhost:3000\/auth\/magic\?token=/);
    assert.equal(mail.sentAt, null);

    const one = await t.request({ method: 'GET', url: `/api/v1/outbox/${mail.id}`, as: org.as.admin });
    assert.equal(one.statusCode, 200);
    assert.deepEqual(one.json(), mail);
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/outbox?status=sent', as: org.as.admin })).json().items.length, 0);

    const token = tokenIn(mail.text);
    const signedIn = await t.request({ method: 'POST', url: '/api/v1/auth/magic-link/consume', payload: { token } });
    assert.equal(signedIn.statusCode, 200, signedIn.body);
  });

  test("the person's own language wins over the organisation's", async () => {
    await t.db.updateTable('people').set({ locale: 'en' }).where('id', '=', org.trainer.id).execute();
    await t.request({ method: 'POST', url: '/api/v1/auth/magic-link', payload: { email: org.trainer.email } });
    await t.app.mail.flush();
    const [mail] = (await t.request({ method: 'GET', url: '/api/v1/outbox?limit=1', as: org.as.admin })).json().items;
    assert.equal(mail.to, org.trainer.email);
    assert.match(mail.subject, /^Your sign-in link for /);
    assert.match(mail.text, /expires on Monday, 2 March 2026 at 08:30 \(Europe\/Paris\)/);
  });

  test('the started dispatcher delivers right after a use-case enqueues mail (kick), without waiting for its timer', async () => {
    t.app.mail.start(3_600_000);
    try {
      await t.app.mail.flush();
      await t.request({ method: 'POST', url: '/api/v1/auth/magic-link', payload: { email: org.manager.email } });
      const deadline = Date.now() + 5000;
      let status: string | undefined;
      while (Date.now() < deadline) {
        status = (await t.db.selectFrom('outbox_mails').select('status').where('to_address', '=', org.manager.email).executeTakeFirst())?.status;
        if (status === 'stored') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(status, 'stored');
    } finally {
      await t.app.mail.stop();
    }
  });

  test('newest first, in pages; other organisations and non-staff see nothing', async () => {
    for (let i = 0; i < 3; i++) {
      await withTenant(t.db, org.organisation.id, (trx) => enqueueMail(trx, { organisationId: org.organisation.id, to: `n${i}@example.test`, subject: `N${i}`, text: 'x' }));
    }
    const page1 = (await t.request({ method: 'GET', url: '/api/v1/outbox?limit=2', as: org.as.admin })).json();
    assert.deepEqual(page1.items.map((m: { subject: string }) => m.subject), ['N2', 'N1']);
    const page2 = (await t.request({ method: 'GET', url: `/api/v1/outbox?limit=2&cursor=${page1.nextCursor}`, as: org.as.admin })).json();
    assert.equal(page2.items[0].subject, 'N0');
    const all = (await t.request({ method: 'GET', url: '/api/v1/outbox?limit=200', as: org.as.admin })).json().items;
    assert.equal(all.length, 6);

    assert.equal((await t.request({ method: 'GET', url: '/api/v1/outbox', as: other.as.admin })).json().items.length, 0);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/outbox/${all[0].id}`, as: other.as.admin })).statusCode, 404);
    for (const as of [org.as.trainer, org.as.learner]) {
      assert.equal((await t.request({ method: 'GET', url: '/api/v1/outbox', as })).statusCode, 403);
    }
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/outbox?status=lost', as: org.as.admin })).statusCode, 400);
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/outbox' })).statusCode, 401);
  });
});

test('the magic-link mail template: both languages, escaped HTML, expiry in the given zone', () => {
  const expiresAt = new Date('2026-07-14T16:05:00Z');
  const fr = renderMagicLinkMail({ locale: 'fr', givenName: 'Zoé <b>', organisationName: 'A&B Formation', link: 'https://e.example/auth/magic?token=abc', expiresAt, timezone: 'Europe/Paris' });
  assert.equal(fr.subject, 'Votre lien de connexion à A&B Formation');
  assert.match(fr.text, /expire le mardi 14 juillet 2026 à 18:05 \(Europe\/Paris\)/);
  assert.match(fr.html, /Bonjour Zoé &lt;b&gt;,/);
  assert.match(fr.html, /A&amp;B Formation/);
  const en = renderMagicLinkMail({ locale: 'en', givenName: 'Sam', organisationName: 'X', link: 'https://e.example/auth/magic?token=abc', expiresAt, timezone: 'America/Martinique' });
  assert.match(en.text, /expires on Tuesday, 14 July 2026 at 12:05 \(America\/Martinique\)/);
  assert.equal(formatInZone(expiresAt, 'en', 'Pacific/Noumea'), 'Wednesday, 15 July 2026 at 03:05 (Pacific/Noumea)');
});
