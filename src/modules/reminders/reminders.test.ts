import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { startSmtpServer } from '../../../test/smtp-server.ts';
import { hashToken } from '../../platform/auth/tokens.ts';
import { JobRunner } from '../../platform/jobs/job-queue.ts';
import type { MailTransport } from '../../platform/mail/mail-transport.ts';
import { createMailTransport } from '../../platform/mail/smtp-transport.ts';
import { makeNotifyFixture } from './notify-test-fixtures.ts';
import { notifyJobHandlers, startNotifySchedules } from './notify-jobs.ts';


const strokes = { width: 400, height: 150, strokes: [{ points: Array.from({ length: 20 }, (_, i) => ({ x: 20 + i * 15, y: 60 + Math.round(20 * Math.sin(i / 3)), t: i * 16 })) }] };
const tokenIn = (text: string) => /\/sign\/link\?token=([A-Za-z0-9_-]+)/.exec(text)?.[1];

describe('reminders and absence requests, driven by the scheduler', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let transport: MailTransport;
  let t: TestContext;
  let f: Awaited<ReturnType<typeof makeNotifyFixture>>;
  let runner: JobRunner;

  before(async () => {
    smtp = await startSmtpServer();
    const smtpUrl = `smtp://127.0.0.1:${smtp.port}`;
    transport = createMailTransport({ smtpUrl })!;
    t = await createTestContext({ env: { SMTP_URL: smtpUrl, PUBLIC_URL: 'https://emarge.example.org' }, mailTransport: transport });
    // 2 March 2026, 09:00–12:30 Paris (08:00–11:30 UTC); three learners, the third prefers English.
    f = await makeNotifyFixture(t.db, { extraLearners: 2 });
    await t.db.updateTable('people').set({ locale: 'en' }).where('id', '=', f.learners[2]!.id).execute();
    runner = new JobRunner({ db: t.db, clock: t.clock, handlers: notifyJobHandlers({ db: t.db, clock: t.clock, config: t.config }) });
    await startNotifySchedules(t.db, t.clock);
  });
  after(async () => {
    await t.close();
    await transport.close();
    await smtp.close();
  });

  /** What the outbox holds for a session's people, by kind of message (subject). */
  const outbox = () => t.db.selectFrom('outbox_mails').selectAll().where('organisation_id', '=', f.organisation.id).orderBy('created_at').orderBy('to_address').execute();
  const at = async (iso: string) => {
    t.clock.set(iso);
    await runner.runDue();
  };

  test('15 min before the start each learner gets their signing link, by real SMTP, once', async () => {
    await at('2026-03-02T07:00:00Z');
    assert.equal((await outbox()).length, 0, 'nothing an hour before');
    await at('2026-03-02T07:45:00Z');
    const mails = await outbox();
    assert.deepEqual(mails.map((m) => m.to_address).sort(), f.learners.map((l) => l.email).sort());
    const fr = mails.find((m) => m.to_address === f.learner.email)!;
    assert.equal(fr.subject, 'Votre session commence à 09:00 (Europe/Paris)');
    assert.match(fr.text_body, /lundi 2 mars 2026, 09:00–12:30 \(Europe\/Paris\) · Gestes de premiers secours · Programme Sécurité · Salle 2/);
    // now + 4 h is 12:45 Paris, before the window closes (12:30 + 30 min): the link lives until then.
    assert.match(fr.text_body, /expire le lundi 2 mars 2026 à 13:00 \(Europe\/Paris\)/);
    const en = mails.find((m) => m.to_address === f.learners[2]!.email)!;
    assert.equal(en.subject, 'Your session starts at 09:00 (Europe/Paris)');
    // Each link is personal and stored as a hash that expires when the signing window closes (later than the 4 h TTL).
    const tokens = mails.map((m) => tokenIn(m.text_body));
    assert.equal(new Set(tokens).size, 3);
    for (const [i, m] of mails.entries()) {
      const link = await t.db.selectFrom('signing_links').selectAll().where('token_hash', '=', hashToken(tokens[i]!)).executeTakeFirstOrThrow();
      assert.equal(link.person_id, f.learners.find((l) => l.email === m.to_address)!.id);
      assert.equal(link.expires_at.toISOString(), '2026-03-02T12:00:00.000Z');
    }

    const report = await t.app.mail.flush();
    assert.equal(report.sent, 3, JSON.stringify(report));
    assert.deepEqual(smtp.received.flatMap((r) => r.to).sort(), f.learners.map((l) => l.email).sort());
    assert.ok(smtp.received.some((r) => /Subject: Your session starts at 09:00 \(Europe\/Paris\)/.test(r.raw)));

    await at('2026-03-02T07:46:00Z');
    await at('2026-03-02T07:59:00Z');
    assert.equal((await outbox()).length, 3, 'sent once');
  });

  test('30 min after the start, those who have not signed get a fresh link; the one who signed does not', async () => {
    const first = (await outbox()).find((m) => m.to_address === f.learner.email)!;
    const signed = await t.request({ method: 'POST', url: '/api/v1/sign/link', payload: { token: tokenIn(first.text_body), strokes } });
    assert.equal(signed.statusCode, 201, signed.body);

    await at('2026-03-02T08:29:00Z');
    assert.equal((await outbox()).length, 3);
    await at('2026-03-02T08:30:00Z');
    const mails = (await outbox()).slice(3);
    assert.deepEqual(mails.map((m) => m.to_address).sort(), [f.learners[1]!.email, f.learners[2]!.email].sort());
    assert.equal(mails.find((m) => m.to_address === f.learners[2]!.email)!.subject, 'You have not signed the attendance sheet yet');
    const fresh = tokenIn(mails[0]!.text_body);
    const earlier = (await outbox()).filter((m) => m.to_address === mails[0]!.to_address).map((m) => tokenIn(m.text_body));
    assert.ok(fresh && earlier.filter((x) => x === fresh).length === 1, 'a new token, not the first one again');
    await at('2026-03-02T09:00:00Z');
    assert.equal((await outbox()).length, 5);
    assert.equal((await t.app.mail.flush()).sent, 2);
  });

  test('after the end the trainer is reminded to sign and lock the unlocked sheet, once', async () => {
    await at('2026-03-02T11:59:00Z');
    assert.equal((await outbox()).length, 5);
    await at('2026-03-02T12:00:00Z');
    const mails = (await outbox()).slice(5);
    assert.deepEqual(mails.map((m) => m.to_address), [f.trainer.email]);
    assert.equal(mails[0]!.subject, "Signez et verrouillez la feuille d'émargement");
    assert.match(mails[0]!.text_body, /terminée à 12:30 \(Europe\/Paris\)/);
    assert.match(mails[0]!.text_body, /Votre signature de formateur manque/);
    assert.match(mails[0]!.text_body, /2 apprenant\(s\) n'ont pas signé/);
    assert.match(mails[0]!.text_body, new RegExp(`https://emarge\\.example\\.org/sessions/${f.sessions[0]!.id}/live`));
    await at('2026-03-02T13:00:00Z');
    assert.equal((await outbox()).length, 6);
  });

  test('the evening of the absence (19:00 Paris) each unsigned learner is asked to justify it, unless already justifying', async () => {
    // The second learner already sent a justification for this session: no request for them.
    const { multipartBody } = await import('./notify-test-fixtures.ts');
    const form = multipartBody([['reason', 'Malade'], ['sessionIds', f.sessions[0]!.id]]);
    const justified = await t.request({ method: 'POST', url: '/api/v1/absences/justifications', as: f.learnerHeaders[1], payload: form.payload, headers: form.headers });
    assert.equal(justified.statusCode, 201, justified.body);

    await at('2026-03-02T17:45:00Z');
    assert.equal((await outbox()).length, 6, 'not before 19:00 local');
    await at('2026-03-02T18:00:00Z');
    const mails = (await outbox()).slice(6);
    assert.deepEqual(mails.map((m) => m.to_address), [f.learners[2]!.email]);
    assert.equal(mails[0]!.subject, 'Absence to justify');
    assert.match(mails[0]!.text_body, new RegExp(`https://emarge\\.example\\.org/absences/justify\\?session=${f.sessions[0]!.id}`));
    assert.match(mails[0]!.text_body, /Monday, 2 March 2026, 09:00–12:30 \(Europe\/Paris\)/);
    await at('2026-03-02T18:15:00Z');
    await at('2026-03-02T18:30:00Z');
    assert.equal((await outbox()).length, 7, 'asked once');
    assert.equal((await t.app.mail.flush()).sent, 2);
    assert.ok(smtp.received.some((r) => r.to.includes(f.learners[2]!.email) && /Subject: Absence to justify/.test(r.raw)));
  });

  test('the scheduler keeps one tick queued and prunes old finished jobs', async () => {
    const queued = await t.db.selectFrom('jobs').select(['type', 'run_at']).where('status', '=', 'queued').where('type', '=', 'scheduler.tick').execute();
    assert.equal(queued.length, 1);
    assert.equal(queued[0]!.run_at.toISOString(), '2026-03-02T18:31:00.000Z');
    const before = await t.db.selectFrom('jobs').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'done').executeTakeFirstOrThrow();
    assert.ok(Number(before.n) > 5);
    await at('2026-03-03T18:35:00Z');
    const old = await t.db.selectFrom('jobs').select('id').where('status', '=', 'done').where('finished_at', '<', new Date('2026-03-02T18:35:00Z')).execute();
    assert.deepEqual(old, []);
  });
});

describe('reminders go only to learners the trainer has not marked', () => {
  let t: TestContext;
  let f: Awaited<ReturnType<typeof makeNotifyFixture>>;
  let runner: JobRunner;

  before(async () => {
    t = await createTestContext({ env: { PUBLIC_URL: 'https://emarge.example.org' } });
    // learners[0] pending, [1] marked absent, [2] excused, [3] marked present on their behalf.
    f = await makeNotifyFixture(t.db, { extraLearners: 3 });
    runner = new JobRunner({ db: t.db, clock: t.clock, handlers: notifyJobHandlers({ db: t.db, clock: t.clock, config: t.config }) });
    await startNotifySchedules(t.db, t.clock);
  });
  after(() => t.close());

  const recipients = async () => (await t.db.selectFrom('outbox_mails').select(['to_address', 'subject']).where('organisation_id', '=', f.organisation.id).execute()).filter((m) => !/justif/i.test(m.subject)).map((m) => m.to_address).sort();

  test('before the start and after it, the marked learners (absent, excused, present on their behalf) get no link', async () => {
    const session = f.sessions[0]!;
    t.clock.set('2026-03-02T07:30:00Z');
    const mark = (personId: string, payload: Record<string, unknown>) => t.request({ method: 'PATCH', url: `/api/v1/sessions/${session.id}/attendance/${personId}`, as: f.as.trainer, payload });
    assert.equal((await mark(f.learners[1]!.id, { status: 'absent' })).statusCode, 200);
    assert.equal((await mark(f.learners[3]!.id, { status: 'present', reason: 'came early, phone flat' })).statusCode, 200);
    await t.db.updateTable('attendance_records').set({ status: 'excused' }).where('session_id', '=', session.id).where('person_id', '=', f.learners[2]!.id).execute();
    t.clock.set('2026-03-02T07:45:00Z');
    await runner.runDue();
    assert.deepEqual(await recipients(), [f.learners[0]!.email]);
    t.clock.set('2026-03-02T08:30:00Z');
    await runner.runDue();
    assert.deepEqual(await recipients(), [f.learners[0]!.email, f.learners[0]!.email]);
    assert.equal((await t.db.selectFrom('signing_links').select('person_id').where('session_id', '=', session.id).execute()).every((l) => l.person_id === f.learners[0]!.id), true);
  });
});
