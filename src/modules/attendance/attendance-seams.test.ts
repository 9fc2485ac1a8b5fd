import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makePerson } from '../../../test/factories.ts';
import { hashToken } from '../../platform/auth/tokens.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { appendEvidence } from './append-evidence.ts';
import { makeAttendanceFixture, makeSession } from './attendance-test-fixtures.ts';
import { DEFAULT_ATTENDANCE_SETTINGS, resolveAttendanceSettings } from './attendance-settings.ts';
import { createSigningLink } from './create-signing-link.ts';
import { ensureSheet } from './ensure-sheet.ts';
import { computeContentHash } from './evidence-chain.ts';
import { VERIFICATION_ALPHABET } from './verification-code.ts';

describe('resolveAttendanceSettings', () => {
  test('defaults when nothing is set', () => {
    const s = resolveAttendanceSettings({}, {});
    assert.deepEqual(s, { ...DEFAULT_ATTENDANCE_SETTINGS, geolocation: { enabled: false, purpose: null } });
    assert.equal(s.qrRotationSeconds, 15);
    assert.equal(s.qrGraceSeconds, 2);
    assert.equal(s.lateAfterMinutes, 5);
    assert.equal(s.windowOpensMinutesBefore, 15);
    assert.equal(s.windowClosesMinutesAfterEnd, 30);
    assert.equal(s.signingLinkTtlHours, 4);
    assert.deepEqual(s.methods, { qr: true, link: true, kiosk: true, trainerMark: true });
    assert.deepEqual(s.reminders, { enabled: true, beforeStartMinutes: 15, nonSignersAfterStartMinutes: 30, trainerAfterEndMinutes: 30 });
    assert.deepEqual(s.absenceRequest, { enabled: true, localTime: '19:00' });
    assert.deepEqual(s.attendanceAlert, { threshold: 0.8, afterSessions: 4 });
  });

  test('program overrides organisation, field by field; invalid values fall back', () => {
    const s = resolveAttendanceSettings(
      { attendance: { qrRotationSeconds: 30, lateAfterMinutes: 10, methods: { kiosk: false }, reminders: { beforeStartMinutes: 60 } }, other: 1 },
      { lateAfterMinutes: 0, methods: { qr: false, link: 'yes' }, qrGraceSeconds: -4, windowOpensMinutesBefore: 'x' },
    );
    assert.equal(s.qrRotationSeconds, 30);
    assert.equal(s.lateAfterMinutes, 0);
    assert.equal(s.qrGraceSeconds, 2);
    assert.equal(s.windowOpensMinutesBefore, 15);
    assert.deepEqual(s.methods, { qr: false, link: true, kiosk: false, trainerMark: true });
    assert.equal(s.reminders.beforeStartMinutes, 60);
    assert.equal(s.reminders.nonSignersAfterStartMinutes, 30);
  });

  test('accepts the attendance object itself, and geolocation needs a purpose', () => {
    assert.equal(resolveAttendanceSettings({ qrRotationSeconds: 20 }, null).qrRotationSeconds, 20);
    assert.deepEqual(resolveAttendanceSettings({ attendance: { geolocation: { enabled: true } } }, undefined).geolocation, { enabled: false, purpose: null });
    assert.deepEqual(resolveAttendanceSettings({ attendance: { geolocation: { enabled: true, purpose: 'Prove on-site presence for the funder' } } }, {}).geolocation, {
      enabled: true,
      purpose: 'Prove on-site presence for the funder',
    });
    // Defaults are never mutated by a resolution.
    assert.equal(DEFAULT_ATTENDANCE_SETTINGS.geolocation.enabled, false);
  });
});

describe('attendance seams (database)', () => {
  let t: TestContext;
  let f: Awaited<ReturnType<typeof makeAttendanceFixture>>;
  before(async () => {
    t = await createTestContext();
    f = await makeAttendanceFixture(t.db, { learners: 3 });
  });
  after(() => t.close());

  test('ensureSheet creates the sheet and one record per learner and trainer, idempotently', async () => {
    const orgId = f.organisation.id;
    const first = await withTenant(t.db, orgId, (trx) => ensureSheet(trx, f.session.id));
    assert.equal(first.status, 'open');
    assert.equal(first.version, 1);
    assert.match(first.verification_code, new RegExp(`^[${VERIFICATION_ALPHABET}]{10}$`));
    const records = await t.db.selectFrom('attendance_records').selectAll().where('session_id', '=', f.session.id).execute();
    assert.equal(records.filter((r) => r.role === 'learner').length, 3);
    assert.deepEqual(records.filter((r) => r.role === 'trainer').map((r) => r.person_id), [f.trainer.id]);
    assert.ok(records.every((r) => r.status === 'pending'));

    // A walk-in enrolled later is added; a withdrawn learner is not; nothing existing changes.
    await t.db.updateTable('attendance_records').set({ status: 'absent' }).where('person_id', '=', f.learners[1]!.id).execute();
    await t.db.insertInto('enrolments').values({ organisation_id: orgId, cohort_id: f.cohort.id, person_id: f.otherTrainer.id, walk_in: true }).execute();
    await t.db.updateTable('enrolments').set({ status: 'withdrawn' }).where('person_id', '=', f.learners[2]!.id).execute();
    const second = await withTenant(t.db, orgId, (trx) => ensureSheet(trx, f.session.id));
    assert.equal(second.verification_code, first.verification_code);
    const again = await t.db.selectFrom('attendance_records').selectAll().where('session_id', '=', f.session.id).execute();
    assert.equal(again.length, 5);
    assert.equal(again.find((r) => r.person_id === f.learners[1]!.id)!.status, 'absent');
    assert.equal(again.find((r) => r.person_id === f.otherTrainer.id)!.role, 'learner');
  });

  test('ensureSheet: session trainers take precedence over cohort trainers', async () => {
    const substitute = await makePerson(t.db, f.organisation.id, ['trainer']);
    const s = await makeSession(t.db, f.organisation.id, f.cohort.id, [substitute.id], '2026-03-03', '14:00', '17:30');
    await withTenant(t.db, f.organisation.id, (trx) => ensureSheet(trx, s.id));
    const trainers = await t.db.selectFrom('attendance_records').select('person_id').where('session_id', '=', s.id).where('role', '=', 'trainer').execute();
    assert.deepEqual(trainers.map((r) => r.person_id), [substitute.id]);
  });

  test('createSigningLink stores only the hash and returns the URL', async () => {
    const expiresAt = new Date('2026-03-02T12:00:00Z');
    const link = await withTenant(t.db, f.organisation.id, (trx) =>
      createSigningLink(trx, { organisationId: f.organisation.id, sessionId: f.session.id, personId: f.learner.id, expiresAt, publicUrl: 'https://emarge.example/' }),
    );
    assert.match(link.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(link.url, `https://emarge.example/sign/link?token=${link.token}`);
    const row = await t.db.selectFrom('signing_links').selectAll().where('token_hash', '=', hashToken(link.token)).executeTakeFirstOrThrow();
    assert.equal(row.person_id, f.learner.id);
    assert.equal(row.expires_at.toISOString(), expiresAt.toISOString());
    assert.equal(row.used_at, null);
    const all = await t.db.selectFrom('signing_links').select('token_hash').execute();
    assert.ok(all.every((r) => r.token_hash !== link.token));
  });

  test('appendEvidence stores the entry with a content hash that verifies, unsealed', async () => {
    const recordedAt = new Date('2026-03-02T08:01:02.345Z');
    const out = await withTenant(t.db, f.organisation.id, (trx) =>
      appendEvidence(trx, f.organisation.id, { type: 'test.event', recordedAt, payload: { b: 'x', a: [1, 'é', null], nested: { z: true, drop: undefined as never } } }),
    );
    const row = await t.db.selectFrom('evidence_entries').selectAll().where('id', '=', out.id).executeTakeFirstOrThrow();
    assert.equal(row.recorded_at, '2026-03-02T08:01:02.345Z');
    assert.equal(row.seq, null);
    assert.deepEqual(row.payload, { a: [1, 'é', null], b: 'x', nested: { z: true } });
    assert.equal(computeContentHash({ id: row.id, organisationId: row.organisation_id, type: row.type, recordedAt: row.recorded_at, payload: row.payload as never }), row.content_hash);
    assert.equal(out.contentHash, row.content_hash);
    // The log is append-only.
    await assert.rejects(sql`UPDATE evidence_entries SET type = 'other' WHERE id = ${out.id}`.execute(t.db), /append-only/);
  });
});
