import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { hashToken } from '../../platform/auth/tokens.ts';
import { sendSessionReminders } from '../reminders/send-session-reminders.ts';
import { makeAttendanceFixture, makeSession, sampleStrokes } from './attendance-test-fixtures.ts';
import { signingLinkExpiry } from './create-signing-link.ts';

/**
 * A mailed signing link lives `signingLinkTtlHours` (4 h by default) but never
 * ends before the session's signing window closes: a full-day session's link,
 * mailed at the start, still signs in the afternoon.
 */
describe('signing-link expiry: max(now + validity, window close)', () => {
  let t: TestContext;
  let f: Awaited<ReturnType<typeof makeAttendanceFixture>>;
  const tokenIn = (text: string) => /\/sign\/link\?token=([A-Za-z0-9_-]+)/.exec(text)![1]!;

  before(async () => {
    t = await createTestContext({ now: '2026-03-02T07:45:00Z' });
    // A long session: 09:00–17:30 Paris (08:00–16:30 UTC); the window closes at 17:00 UTC.
    f = await makeAttendanceFixture(t.db, { learners: 3, startTime: '09:00', endTime: '17:30' });
  });
  after(() => t.close());

  test('the rule itself', () => {
    const now = new Date('2026-03-02T08:00:00Z');
    assert.equal(signingLinkExpiry(now, { closesAt: new Date('2026-03-02T17:00:00Z') }, 4).toISOString(), '2026-03-02T17:00:00.000Z');
    assert.equal(signingLinkExpiry(now, { closesAt: new Date('2026-03-02T10:00:00Z') }, 4).toISOString(), '2026-03-02T12:00:00.000Z');
    assert.equal(signingLinkExpiry(now, { closesAt: new Date('2026-03-02T12:00:00Z') }, 4).toISOString(), '2026-03-02T12:00:00.000Z');
  });

  test('POST /sessions/:id/signing-links on a long session: valid until the window closes, and it signs 8 h later', async () => {
    t.clock.set('2026-03-02T07:45:00Z');
    const res = await t.request({ method: 'POST', url: `/api/v1/sessions/${f.session.id}/signing-links`, as: f.as.trainer, payload: { personIds: [f.learners[1]!.id] } });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().links[0].expiresAt, '2026-03-02T17:00:00.000Z');
    const mail = await t.db.selectFrom('outbox_mails').select('text_body').where('to_address', '=', f.learners[1]!.email).executeTakeFirstOrThrow();
    const token = tokenIn(mail.text_body);
    const row = await t.db.selectFrom('signing_links').select('expires_at').where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow();
    assert.equal(row.expires_at.toISOString(), '2026-03-02T17:00:00.000Z');

    // 16:50 UTC: past now + 4 h (11:45), still in the window: the link signs.
    t.clock.set('2026-03-02T16:50:00Z');
    const view = await t.request({ method: 'GET', url: `/api/v1/sign/link?token=${token}` });
    assert.equal(view.json().link.state, 'valid');
    const signed = await t.request({ method: 'POST', url: '/api/v1/sign/link', payload: { token, strokes: sampleStrokes() } });
    assert.equal(signed.statusCode, 201, signed.body);
    assert.equal(signed.json().method, 'link');
  });

  test('a short session keeps the configured validity (now + 4 h), past the window close', async () => {
    const short = await makeSession(t.db, f.organisation.id, f.cohort.id, [f.trainer.id], '2026-03-03', '09:00', '10:00');
    t.clock.set('2026-03-03T07:50:00Z');
    const res = await t.request({ method: 'POST', url: `/api/v1/sessions/${short.id}/signing-links`, as: f.as.manager, payload: {} });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().sent, 3);
    assert.ok(res.json().links.every((l: { expiresAt: string }) => l.expiresAt === '2026-03-03T11:50:00.000Z'), res.body);
  });

  test('the reminders pass mails links with the same rule (before the start, and to non-signers)', async () => {
    const long = await makeSession(t.db, f.organisation.id, f.cohort.id, [f.trainer.id], '2026-03-04', '09:00', '17:30');
    const deps = { db: t.db, clock: t.clock, config: { publicUrl: 'http://localhost:3000' } };
    t.clock.set('2026-03-04T07:50:00Z'); // 10 min before the start: the before-start mail
    const first = await sendSessionReminders(deps, f.organisation.id);
    assert.equal(first.beforeStart, 3);
    t.clock.set('2026-03-04T08:40:00Z'); // 40 min after the start: the non-signer reminder
    const second = await sendSessionReminders(deps, f.organisation.id);
    assert.equal(second.nonSigners, 3);
    const links = await t.db.selectFrom('signing_links').select(['expires_at', 'created_at']).where('session_id', '=', long.id).execute();
    assert.equal(links.length, 6);
    for (const l of links) assert.equal(l.expires_at.toISOString(), '2026-03-04T17:00:00.000Z');
  });

  test('a longer configured validity wins over the window', async () => {
    await t.db.updateTable('programs').set({ attendance_settings: JSON.stringify({ signingLinkTtlHours: 24 }) as never }).where('id', '=', f.program.id).execute();
    const s = await makeSession(t.db, f.organisation.id, f.cohort.id, [f.trainer.id], '2026-03-05', '09:00', '17:30');
    t.clock.set('2026-03-05T07:50:00Z');
    const res = await t.request({ method: 'POST', url: `/api/v1/sessions/${s.id}/signing-links`, as: f.as.manager, payload: { personIds: [f.learner.id] } });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().links[0].expiresAt, '2026-03-06T07:50:00.000Z');
  });
});
