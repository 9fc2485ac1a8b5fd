import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { sessionHeaders } from '../../../test/factories.ts';
import { hashToken } from '../../platform/auth/tokens.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { makeAttendanceFixture, sampleStrokes } from './attendance-test-fixtures.ts';
import { createSigningLink } from './create-signing-link.ts';
import { ensureSheet } from './ensure-sheet.ts';
import { loadAttendanceSession } from './attendance-session.ts';
import { recordSignatureUnlocked, toSigningState, type SigningStateColumns } from './record-signature.ts';
import { renderSignaturePng, signatureStrokesSchema } from './signature-strokes.ts';

type Fixture = Awaited<ReturnType<typeof makeAttendanceFixture>>;

// The session: Monday 2 March 2026, 09:00–12:30 Paris = 08:00–11:30 UTC; late after 5 minutes.
const url = (path: string) => `/api/v1${path}`;

/**
 * The trainer's word and the learner's signature (issue 12, point 3): links go only to learners not yet
 * marked; a learner marked absent or excused who signs later is recorded, but stays absent until the trainer
 * confirms (late from the signing time) or rejects (with a reason); both the mark and the signature stay in
 * the evidence, and the latest entry of each learner states their record's status.
 */
describe('signing after a trainer mark: recorded, never overwriting; the trainer decides', () => {
  let t: TestContext;
  let f: Fixture;
  const markUrl = (personId: string) => url(`/sessions/${f.session.id}/attendance/${personId}`);
  const reviewUrl = (personId: string) => url(`/sessions/${f.session.id}/attendance/${personId}/review`);
  const signLink = (token: string) => t.request({ method: 'POST', url: url('/sign/link'), payload: { token, strokes: sampleStrokes() } as never });
  const recordOf = (personId: string) =>
    t.db.selectFrom('attendance_records').select(['status', 'late_minutes', 'signature_id', 'review', 'reviewed_by', 'method', 'reason']).where('session_id', '=', f.session.id).where('person_id', '=', personId).executeTakeFirstOrThrow();
  /** The evidence entries naming this person on this session, in the order written. */
  const entriesOf = async (personId: string) =>
    (await sql<{ type: string; payload: Record<string, unknown> }>`
      SELECT type, payload FROM evidence_entries
      WHERE payload->>'sessionId' = ${f.session.id} AND payload->>'personId' = ${personId}
      ORDER BY recorded_at, id`.execute(t.db)).rows;
  /** The contract shared with verification: the latest entry of (session, person) states the record's status. */
  async function assertLatestEntryStatesRecord(personId: string) {
    const entries = await entriesOf(personId);
    const record = await recordOf(personId);
    assert.ok(entries.length > 0);
    const latest = entries.at(-1)!.payload;
    assert.deepEqual({ status: latest.status, lateMinutes: latest.lateMinutes }, { status: record.status, lateMinutes: record.late_minutes });
  }

  before(async () => {
    t = await createTestContext();
    f = await makeAttendanceFixture(t.db, { learners: 7 });
  });
  after(() => t.close());

  test('absent, then a link (the issue\'s case): no new link for the marked learner; the old one signs, the mark stands, the trainer rejects', async () => {
    const learner = f.learners[1]!;
    // 08:50 Paris: links mailed to everyone; 09:05 the trainer marks the learner absent.
    t.clock.set('2026-03-02T07:50:00Z');
    const first = await t.request({ method: 'POST', url: url(`/sessions/${f.session.id}/signing-links`), as: f.as.trainer, payload: { personIds: [learner.id] } });
    assert.equal(first.statusCode, 201, first.body);
    const mail = await t.db.selectFrom('outbox_mails').select('text_body').where('to_address', '=', learner.email).executeTakeFirstOrThrow();
    const token = /\/sign\/link\?token=([A-Za-z0-9_-]+)/.exec(mail.text_body)![1]!;
    t.clock.set('2026-03-02T08:05:00Z');
    const marked = await t.request({ method: 'PATCH', url: markUrl(learner.id), as: f.as.trainer, payload: { status: 'absent' } });
    assert.equal(marked.statusCode, 200, marked.body);

    // "Send links to non-signers" now skips the marked learner (and says so), alone or with everyone.
    const again = await t.request({ method: 'POST', url: url(`/sessions/${f.session.id}/signing-links`), as: f.as.trainer, payload: { personIds: [learner.id] } });
    assert.equal(again.statusCode, 201, again.body);
    assert.deepEqual({ sent: again.json().sent, skippedMarked: again.json().skippedMarked, skippedSigned: again.json().skippedSigned }, { sent: 0, skippedMarked: 1, skippedSigned: 0 });
    const all = await t.request({ method: 'POST', url: url(`/sessions/${f.session.id}/signing-links`), as: f.as.trainer, payload: {} });
    assert.equal(all.statusCode, 201, all.body);
    assert.ok(!all.json().links.some((l: { personId: string }) => l.personId === learner.id));
    assert.equal(all.json().skippedMarked, 1);
    assert.equal((await t.db.selectFrom('signing_links').select('token_hash').where('person_id', '=', learner.id).execute()).length, 1);

    // 09:21 the learner signs from home with the first link: recorded, but still absent, waiting for the trainer.
    t.clock.set('2026-03-02T08:21:00Z');
    const signed = await signLink(token);
    assert.equal(signed.statusCode, 201, signed.body);
    assert.deepEqual({ status: signed.json().status, lateMinutes: signed.json().lateMinutes, review: signed.json().review }, { status: 'absent', lateMinutes: null, review: 'pending' });
    const record = await recordOf(learner.id);
    assert.equal(record.status, 'absent');
    assert.equal(record.review, 'pending');
    assert.equal(record.signature_id, signed.json().signatureId);
    // Signing again gives the same proof, still pending.
    const replay = await signLink(token);
    assert.equal(replay.statusCode, 200, replay.body);
    assert.deepEqual({ status: replay.json().status, review: replay.json().review, replayed: replay.json().replayed }, { status: 'absent', review: 'pending', replayed: true });

    // The sheet says it: the record, and the count that blocks the lock.
    const sheet = await t.request({ method: 'GET', url: url(`/sessions/${f.session.id}/attendance`), as: f.as.trainer });
    assert.equal(sheet.statusCode, 200, sheet.body);
    const line = sheet.json().records.find((r: { personId: string }) => r.personId === learner.id);
    assert.deepEqual({ status: line.status, review: line.review, signatureId: line.signatureId, method: line.method }, { status: 'absent', review: 'pending', signatureId: signed.json().signatureId, method: 'link' });
    assert.equal(sheet.json().counts.awaitingReview, 1);
    assert.equal(sheet.json().counts.absent, 1);
    assert.equal(sheet.json().counts.attended, 0);

    // The trainer cannot lock while a decision is missing.
    t.clock.set('2026-03-02T11:31:00Z');
    const trainerSig = await t.request({ method: 'POST', url: url(`/sessions/${f.session.id}/trainer-signature`), as: f.as.trainer, payload: { strokes: sampleStrokes(3) } });
    assert.equal(trainerSig.statusCode, 201, trainerSig.body);
    const lock = await t.request({ method: 'POST', url: url(`/sessions/${f.session.id}/lock`), as: f.as.trainer });
    assert.equal(lock.statusCode, 409, lock.body);
    assert.deepEqual({ code: lock.json().code, reason: lock.json().reason, params: lock.json().reasonParams, personIds: lock.json().personIds }, { code: 'conflict', reason: 'reviews_pending', params: { count: 1 }, personIds: [learner.id] });
    assert.equal((await t.db.selectFrom('attendance_sheets').select('status').where('session_id', '=', f.session.id).executeTakeFirstOrThrow()).status, 'open');

    // Rejecting needs a reason; a learner, or a trainer of another session, cannot decide.
    const noReason = await t.request({ method: 'POST', url: reviewUrl(learner.id), as: f.as.trainer, payload: { decision: 'reject' } });
    assert.equal(noReason.statusCode, 400, noReason.body);
    assert.deepEqual(noReason.json().errors.map((e: { path: string; code: string }) => [e.path, e.code]), [['body.reason', 'reason_required_reject']]);
    assert.equal((await t.request({ method: 'POST', url: reviewUrl(learner.id), as: f.as.learner, payload: { decision: 'confirm' } })).statusCode, 403);
    assert.equal((await t.request({ method: 'POST', url: reviewUrl(learner.id), as: f.otherTrainerHeaders, payload: { decision: 'confirm' } })).statusCode, 404);
    assert.equal((await t.request({ method: 'POST', url: reviewUrl(learner.id), as: f.as.trainer, payload: { decision: 'maybe' } })).statusCode, 400);
    assert.equal((await recordOf(learner.id)).review, 'pending');

    const rejected = await t.request({ method: 'POST', url: reviewUrl(learner.id), as: f.as.trainer, payload: { decision: 'reject', reason: 'not in the room; signed from home' } });
    assert.equal(rejected.statusCode, 200, rejected.body);
    assert.deepEqual({ status: rejected.json().status, review: rejected.json().review, reviewedBy: rejected.json().reviewedBy, signatureId: rejected.json().signatureId }, { status: 'absent', review: 'rejected', reviewedBy: f.trainer.id, signatureId: signed.json().signatureId });
    const twice = await t.request({ method: 'POST', url: reviewUrl(learner.id), as: f.as.trainer, payload: { decision: 'confirm' } });
    assert.equal(twice.statusCode, 409);
    assert.equal(twice.json().reason, 'no_review_pending');

    // Evidence: the mark, the signature (absent, pending, what the time alone said), the rejection — and the latest states the record.
    const entries = await entriesOf(learner.id);
    assert.deepEqual(entries.map((e) => [e.type, e.payload.status, e.payload.lateMinutes]), [
      ['attendance.marked', 'absent', null],
      ['attendance.signed', 'absent', null],
      ['attendance.signature_reviewed', 'absent', null],
    ]);
    const signing = entries[1]!.payload;
    assert.deepEqual({ review: signing.review, markedStatus: signing.markedStatus, signedStatus: signing.signedStatus, signedLateMinutes: signing.signedLateMinutes, signatureId: signing.signatureId }, { review: 'pending', markedStatus: 'absent', signedStatus: 'late', signedLateMinutes: 21, signatureId: signed.json().signatureId });
    assert.equal((signing.signer as { id: string }).id, learner.id);
    assert.equal(entries[2]!.payload.decision, 'rejected');
    assert.equal(entries[2]!.payload.reason, 'not in the room; signed from home');
    await assertLatestEntryStatesRecord(learner.id);

    // Now the sheet locks; the learners still pending become absent, each with an entry of their own.
    const locked = await t.request({ method: 'POST', url: url(`/sessions/${f.session.id}/lock`), as: f.as.trainer });
    assert.equal(locked.statusCode, 200, locked.body);
    // Nobody else signed or was marked: all of them were pending.
    const stillPending = f.learners.filter((l) => l.id !== learner.id);
    for (const l of stillPending) {
      assert.equal((await recordOf(l.id)).status, 'absent');
      const last = (await entriesOf(l.id)).at(-1)!;
      assert.deepEqual([last.type, last.payload.status, (last.payload.authentication as { via: string }).via], ['attendance.marked', 'absent', 'sheet_locked']);
      await assertLatestEntryStatesRecord(l.id);
    }
    // And verification, which recomputes each record from the entries, finds the rows as the entries state them.
    const verified = await t.request({ method: 'GET', url: url('/evidence/verify'), as: f.as.admin });
    assert.equal(verified.statusCode, 200, verified.body);
    assert.equal(verified.json().ok, true, verified.body);
  });
});

describe('signing after a trainer mark: QR, kiosk, confirmation, marks on behalf, a mark made while signing', () => {
  let t: TestContext;
  let f: Fixture;
  const markUrl = (personId: string) => url(`/sessions/${f.session.id}/attendance/${personId}`);
  const reviewUrl = (personId: string) => url(`/sessions/${f.session.id}/attendance/${personId}/review`);
  const recordOf = (personId: string) =>
    t.db.selectFrom('attendance_records').select(['status', 'late_minutes', 'signature_id', 'review', 'method', 'marked_by']).where('session_id', '=', f.session.id).where('person_id', '=', personId).executeTakeFirstOrThrow();
  const entriesOf = async (personId: string) =>
    (await sql<{ type: string; payload: Record<string, unknown> }>`
      SELECT type, payload FROM evidence_entries WHERE payload->>'sessionId' = ${f.session.id} AND payload->>'personId' = ${personId} ORDER BY recorded_at, id`.execute(t.db)).rows;
  async function signQr(personId: string) {
    const qr = await t.request({ method: 'GET', url: url(`/sessions/${f.session.id}/qr`), as: f.as.trainer });
    assert.equal(qr.statusCode, 200, qr.body);
    return t.request({ method: 'POST', url: url('/sign/qr'), as: await sessionHeaders(t.db, f.organisation.id, personId), payload: { token: qr.json().token, strokes: sampleStrokes(2) } });
  }

  before(async () => {
    t = await createTestContext();
    f = await makeAttendanceFixture(t.db, { learners: 6 });
    await withTenant(t.db, f.organisation.id, (trx) => ensureSheet(trx, f.session.id));
  });
  after(() => t.close());

  test('absent, then the QR code in the room: pending; the trainer confirms — late 21 min from the signing time, both entries kept', async () => {
    const learner = f.learners[1]!;
    t.clock.set('2026-03-02T08:05:00Z');
    assert.equal((await t.request({ method: 'PATCH', url: markUrl(learner.id), as: f.as.trainer, payload: { status: 'absent' } })).statusCode, 200);
    t.clock.set('2026-03-02T08:21:00Z');
    const signed = await signQr(learner.id);
    assert.equal(signed.statusCode, 201, signed.body);
    assert.deepEqual({ status: signed.json().status, review: signed.json().review, method: signed.json().method }, { status: 'absent', review: 'pending', method: 'qr' });
    assert.equal((await recordOf(learner.id)).status, 'absent');

    t.clock.set('2026-03-02T08:25:00Z');
    const confirmed = await t.request({ method: 'POST', url: reviewUrl(learner.id), as: f.as.trainer, payload: { decision: 'confirm' } });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    assert.deepEqual(
      { status: confirmed.json().status, lateMinutes: confirmed.json().lateMinutes, review: confirmed.json().review, method: confirmed.json().method, markedBy: confirmed.json().markedBy, reviewedAtLocal: confirmed.json().reviewedAtLocal },
      { status: 'late', lateMinutes: 21, review: 'confirmed', method: 'qr', markedBy: f.trainer.id, reviewedAtLocal: '2026-03-02T09:25:00+01:00' },
    );
    const entries = await entriesOf(learner.id);
    assert.deepEqual(entries.map((e) => [e.type, e.payload.status, e.payload.lateMinutes]), [
      ['attendance.marked', 'absent', null],
      ['attendance.signed', 'absent', null],
      ['attendance.signature_reviewed', 'late', 21],
    ]);
    assert.equal(entries[2]!.payload.signatureId, signed.json().signatureId);
    // The sheet counts them attended with their own signature.
    const sheet = (await t.request({ method: 'GET', url: url(`/sessions/${f.session.id}/attendance`), as: f.as.trainer })).json();
    assert.equal(sheet.counts.awaitingReview, 0);
    assert.equal(sheet.counts.late, 1);
    assert.equal(sheet.counts.signed, 1);
  });

  test('excused, then the kiosk: pending too; a trainer\'s mark decides it (attended confirms)', async () => {
    const learner = f.learners[2]!;
    await t.db.updateTable('attendance_records').set({ status: 'excused', reason: 'absence justified (justification x)' }).where('session_id', '=', f.session.id).where('person_id', '=', learner.id).execute();
    t.clock.set('2026-03-02T08:40:00Z');
    const signed = await t.request({ method: 'POST', url: url(`/sessions/${f.session.id}/kiosk/sign`), as: f.as.trainer, payload: { personId: learner.id, strokes: sampleStrokes(4) } });
    assert.equal(signed.statusCode, 201, signed.body);
    assert.deepEqual({ status: signed.json().status, review: signed.json().review }, { status: 'excused', review: 'pending' });
    t.clock.set('2026-03-02T08:42:00Z');
    const mark = await t.request({ method: 'PATCH', url: markUrl(learner.id), as: f.as.trainer, payload: { status: 'late' } });
    assert.equal(mark.statusCode, 200, mark.body);
    assert.deepEqual({ status: mark.json().status, lateMinutes: mark.json().lateMinutes, review: mark.json().review }, { status: 'late', lateMinutes: 40, review: 'confirmed' });
    const last = (await entriesOf(learner.id)).at(-1)!;
    assert.deepEqual([last.type, last.payload.status, last.payload.lateMinutes, last.payload.review], ['attendance.marked', 'late', 40, 'confirmed']);
  });

  test('marked present on their behalf, then the learner signs: the trainer\'s status stays, the signature is added, no review', async () => {
    const learner = f.learners[3]!;
    t.clock.set('2026-03-02T08:10:00Z');
    assert.equal((await t.request({ method: 'PATCH', url: markUrl(learner.id), as: f.as.trainer, payload: { status: 'present', reason: 'seen in the room, phone flat' } })).statusCode, 200);
    t.clock.set('2026-03-02T08:30:00Z');
    const signed = await signQr(learner.id);
    assert.equal(signed.statusCode, 201, signed.body);
    assert.deepEqual({ status: signed.json().status, lateMinutes: signed.json().lateMinutes, review: signed.json().review }, { status: 'present', lateMinutes: null, review: null });
    const record = await recordOf(learner.id);
    assert.deepEqual({ status: record.status, review: record.review, method: record.method, signed: record.signature_id === signed.json().signatureId }, { status: 'present', review: null, method: 'qr', signed: true });
    const last = (await entriesOf(learner.id)).at(-1)!;
    assert.deepEqual([last.type, last.payload.status, last.payload.signedStatus, last.payload.signedLateMinutes, last.payload.markedStatus], ['attendance.signed', 'present', 'late', 30, 'present']);
  });

  test('a mark made after the unlocked read and before the write: the write skips the row, the locking path records it pending', async () => {
    const learner = f.learners[4]!;
    t.clock.set('2026-03-02T08:15:00Z');
    const { token } = await withTenant(t.db, f.organisation.id, (trx) =>
      createSigningLink(trx, { organisationId: f.organisation.id, sessionId: f.session.id, personId: learner.id, expiresAt: new Date('2026-03-02T13:00:00Z'), publicUrl: 'http://localhost:3000' }));
    // The state a signing read while the learner was still unmarked…
    const { rows } = await sql<SigningStateColumns>`SELECT * FROM emarge_link_signing_states(${[hashToken(token)]}::text[])`.execute(t.db);
    const state = toSigningState(rows[0]!);
    assert.equal(state.record.status, 'pending');
    // …then the trainer marks them absent before that signing writes.
    assert.equal((await t.request({ method: 'PATCH', url: markUrl(learner.id), as: f.as.trainer, payload: { status: 'absent' } })).statusCode, 200);
    const loaded = (await withTenant(t.db, f.organisation.id, (trx) => loadAttendanceSession(trx, f.session.id)))!;
    const outcome = await recordSignatureUnlocked(t.db, {
      loaded, state, personId: learner.id, method: 'link', role: 'learner', authentication: { via: 'signing_link' }, meta: { ip: '127.0.0.1', userAgent: 'test' },
      rendered: renderSignaturePng(signatureStrokesSchema.parse(sampleStrokes(6))), geolocation: null, now: t.clock.now(), auditAs: { kind: 'person', personId: learner.id }, window: 'enforce',
    });
    assert.equal(outcome, null, 'the stale write must not overwrite the mark');
    const record = await recordOf(learner.id);
    assert.deepEqual({ status: record.status, signature_id: record.signature_id }, { status: 'absent', signature_id: null });
    // The real request (which re-reads) records the signature pending the trainer's decision.
    const signed = await t.request({ method: 'POST', url: url('/sign/link'), payload: { token, strokes: sampleStrokes(7) } as never });
    assert.equal(signed.statusCode, 201, signed.body);
    assert.deepEqual({ status: signed.json().status, review: signed.json().review }, { status: 'absent', review: 'pending' });
    const verified = await t.request({ method: 'GET', url: url('/evidence/verify'), as: f.as.admin });
    assert.equal(verified.json().ok, true, verified.body);
  });
});
