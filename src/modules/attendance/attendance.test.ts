import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { systemCtx } from '../../platform/auth/actor.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { makeAttendanceFixture, makeSession, sampleStrokes } from './attendance-test-fixtures.ts';
import { createSigningLink } from './create-signing-link.ts';
import { markExcused } from './mark-excused.ts';
import { createQrToken, qrWindowIndex } from './qr-token.ts';
import { verifyEvidence } from './verify-evidence.ts';

type Fixture = Awaited<ReturnType<typeof makeAttendanceFixture>>;

// The session: Monday 2 March 2026, 09:00–12:30 Paris = 08:00–11:30 UTC. Window: 07:45 to 12:00 UTC.
const OPENS = '2026-03-02T07:45:00.000Z';
const CLOSES = '2026-03-02T12:00:00.000Z';

describe('attendance: signing, marks, lock, amendments, proof', () => {
  let t: TestContext;
  let f: Fixture;
  const url = (path: string) => `/api/v1${path}`;

  async function link(personId: string, sessionId = f.session.id, expiresAt = new Date('2026-03-02T13:00:00Z')) {
    return withTenant(t.db, f.organisation.id, (trx) => createSigningLink(trx, { organisationId: f.organisation.id, sessionId, personId, expiresAt, publicUrl: 'http://localhost:3000' }));
  }
  const signLink = (token: string, strokes: unknown = sampleStrokes(), extra: Record<string, unknown> = {}) =>
    t.request({ method: 'POST', url: url('/sign/link'), payload: { token, strokes, ...extra } as never, headers: { 'user-agent': 'TestPhone/1.0' } });

  before(async () => {
    t = await createTestContext();
    f = await makeAttendanceFixture(t.db, { learners: 8 });
  });
  after(() => t.close());

  test('staff mail signing links; the page view does not spend them; signing once, then idempotent', async () => {
    t.clock.set('2026-03-02T07:30:00Z');
    const res = await t.request({ method: 'POST', url: url(`/sessions/${f.session.id}/signing-links`), as: f.as.manager, payload: { personIds: [f.learners[1]!.id] } });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().sent, 1);
    const mail = await t.db.selectFrom('outbox_mails').selectAll().where('to_address', '=', f.learners[1]!.email).executeTakeFirstOrThrow();
    assert.match(mail.subject, /Émargement/);
    assert.match(mail.text_body, /\(Europe\/Paris\)/);
    const token = /\/sign\/link\?token=([A-Za-z0-9_-]+)/.exec(mail.text_body)![1]!;

    const view = await t.request({ method: 'GET', url: url(`/sign/link?token=${token}`) });
    assert.equal(view.statusCode, 200, view.body);
    assert.equal(view.json().person.familyName, f.learners[1]!.family_name);
    assert.equal(view.json().window.state, 'not_open_yet');
    assert.equal(view.json().link.state, 'valid');

    // Before the window opens: refused with the window in the organisation's zone.
    const early = await signLink(token);
    assert.equal(early.statusCode, 409);
    assert.equal(early.json().code, 'signing_window_not_open_yet');
    assert.match(early.json().detail, /08:45 \(Europe\/Paris\)/);
    assert.equal(early.json().opensAt, OPENS);

    t.clock.set(OPENS);
    const first = await signLink(token);
    assert.equal(first.statusCode, 201, first.body);
    const proof = first.json();
    assert.equal(proof.status, 'present');
    assert.equal(proof.method, 'link');
    assert.equal(proof.replayed, false);
    assert.match(proof.pngSha256, /^[0-9a-f]{64}$/);

    t.clock.advance(60_000);
    const again = await signLink(token, sampleStrokes(3));
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().signatureId, proof.signatureId);
    assert.equal(again.json().pngSha256, proof.pngSha256);
    assert.equal(again.json().replayed, true);
    const count = await t.db.selectFrom('signatures').select((eb) => eb.fn.countAll<number>().as('n')).where('person_id', '=', f.learners[1]!.id).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 1);
    assert.equal((await t.request({ method: 'GET', url: url(`/sign/link?token=${token}`) })).json().link.state, 'used');

    // The evidence entry of the signing, with how the signer was authenticated.
    const entry = await t.db.selectFrom('evidence_entries').selectAll().where('type', '=', 'attendance.signed').executeTakeFirstOrThrow();
    const payload = entry.payload as Record<string, any>;
    assert.equal(payload.signer.email, f.learners[1]!.email);
    assert.equal(payload.authentication.via, 'signing_link');
    assert.match(payload.authentication.linkTokenSha256, /^[0-9a-f]{64}$/);
    assert.equal(payload.userAgent, 'TestPhone/1.0');
    assert.equal(payload.pngSha256, proof.pngSha256);
    assert.equal(payload.geolocation, null);
    assert.equal(entry.recorded_at, OPENS);
  });

  test('bad links and bad strokes', async () => {
    t.clock.set('2026-03-02T08:02:00Z');
    assert.equal((await signLink('x'.repeat(43))).json().code, 'signing_link_invalid');
    assert.equal((await t.request({ method: 'GET', url: url(`/sign/link?token=${'y'.repeat(43)}`) })).statusCode, 401);
    const expired = await link(f.learners[2]!.id, f.session.id, new Date('2026-03-02T08:00:00Z'));
    const res = await signLink(expired.token);
    assert.equal(res.statusCode, 410);
    assert.equal(res.json().code, 'signing_link_expired');

    const { token } = await link(f.learners[2]!.id);
    const cases: Array<[unknown, string]> = [
      [{ width: 400, height: 150, strokes: [] }, 'body.strokes.strokes'],
      [{ width: 400, height: 150, strokes: [{ points: [{ x: 10, y: 10, t: 0 }, { x: 11, y: 10, t: 5 }] }] }, 'body.strokes.strokes'],
      [{ width: 400, height: 150, strokes: [{ points: [{ x: 10, y: 10, t: 0 }, { x: 900, y: 10, t: 5 }] }] }, 'body.strokes.strokes.0.points.1.x'],
      [{ width: 400, height: 150, strokes: [{ points: Array.from({ length: 5001 }, (_, i) => ({ x: i % 400, y: 50, t: i })) }] }, 'body.strokes.strokes.0.points'],
      ['<svg onload="alert(1)"></svg>', 'body.strokes'],
      [{ width: 400, height: 150, strokes: [{ points: [{ x: 10, y: 10, t: 0 }, { x: 300, y: 10, t: 5 }] }], svg: '<svg/>' }, 'body.strokes'],
    ];
    for (const [strokes, path] of cases) {
      const bad = await signLink(token, strokes);
      assert.equal(bad.statusCode, 400, `${path}: ${bad.body.slice(0, 300)}`);
      assert.ok(bad.json().errors.some((e: { path: string }) => e.path === path), `${path} not named: ${bad.body.slice(0, 400)}`);
    }
    // Nothing was spent by the refusals.
    assert.equal((await signLink(token)).statusCode, 201);
  });

  test('lateness from the signing time vs the start, threshold 5 minutes', async () => {
    t.clock.set('2026-03-02T08:05:59Z');
    const onTime = await signLink((await link(f.learners[3]!.id)).token);
    assert.equal(onTime.json().status, 'present');
    t.clock.set('2026-03-02T08:06:00Z');
    const late = await signLink((await link(f.learners[4]!.id)).token);
    assert.equal(late.json().status, 'late');
    assert.equal(late.json().lateMinutes, 6);
  });

  test('window edges: open until just before closesAt, closed at closesAt', async () => {
    const s = await makeSession(t.db, f.organisation.id, f.cohort.id, [f.trainer.id], '2026-03-03', '09:00', '12:30');
    const a = await link(f.learners[0]!.id, s.id, new Date('2026-03-04T00:00:00Z'));
    const b = await link(f.learners[1]!.id, s.id, new Date('2026-03-04T00:00:00Z'));
    t.clock.set('2026-03-03T11:59:59.999Z');
    assert.equal((await signLink(a.token)).statusCode, 201);
    t.clock.set('2026-03-03T12:00:00.000Z');
    const closed = await signLink(b.token);
    assert.equal(closed.statusCode, 409);
    assert.equal(closed.json().code, 'signing_window_closed');
    assert.match(closed.json().detail, /13:00 \(Europe\/Paris\)/);
  });

  test('a link used from a browser signed in as someone else is refused', async () => {
    t.clock.set('2026-03-02T08:10:00Z');
    const { token } = await link(f.learners[5]!.id);
    const res = await t.request({ method: 'POST', url: url('/sign/link'), headers: { cookie: f.as.learner.cookie! }, payload: { token, strokes: sampleStrokes() } });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, 'signer_mismatch');
  });

  test('rotating QR: valid in its window and grace, expired after, bound to its session', async () => {
    t.clock.set('2026-03-02T08:00:01Z');
    const learnerAs = f.as.learner;
    assert.equal((await t.request({ method: 'GET', url: url(`/sessions/${f.session.id}/qr`), as: learnerAs })).statusCode, 403);
    assert.equal((await t.request({ method: 'GET', url: url(`/sessions/${f.session.id}/qr`), as: f.otherTrainerHeaders })).statusCode, 404);
    const qr = await t.request({ method: 'GET', url: url(`/sessions/${f.session.id}/qr`), as: f.as.trainer });
    assert.equal(qr.statusCode, 200, qr.body);
    const code = qr.json();
    assert.equal(code.rotatesEvery, 15);
    assert.ok(code.url.startsWith('http://localhost:3000/sign/qr?token='));
    assert.equal(code.expiresAt, '2026-03-02T08:00:15.000Z');

    // Not signed in: 401 unauthenticated (the page then offers the magic link).
    const anon = await t.request({ method: 'POST', url: url('/sign/qr'), payload: { token: code.token, strokes: sampleStrokes() } });
    assert.equal(anon.statusCode, 401);
    assert.equal(anon.json().code, 'unauthenticated');

    // Grace: 2 s after the rotation the old code still works; after, it is expired.
    t.clock.set('2026-03-02T08:00:16.999Z');
    const ok = await t.request({ method: 'POST', url: url('/sign/qr'), as: learnerAs, payload: { token: code.token, strokes: sampleStrokes() } });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().method, 'qr');
    const qrEntry = await t.db.selectFrom('evidence_entries').select('payload').where(sql<boolean>`payload->>'signatureId' = ${ok.json().signatureId}`).executeTakeFirstOrThrow();
    assert.equal((qrEntry.payload as any).authentication.via, 'password_session');
    assert.match((qrEntry.payload as any).authentication.sessionSha256, /^[0-9a-f]{64}$/);

    const second = await makeSession(t.db, f.organisation.id, f.cohort.id, [f.trainer.id], '2026-03-02', '14:00', '17:00');
    void second;
    t.clock.set('2026-03-02T08:00:17.000Z');
    const expired = await t.request({ method: 'POST', url: url('/sign/qr'), as: f.as.learner, payload: { token: code.token, strokes: sampleStrokes() } });
    assert.equal(expired.statusCode, 410);
    assert.equal(expired.json().code, 'qr_token_expired');

    // An altered session id breaks the MAC; a forged key does too.
    const [body, mac] = code.token.split('.');
    const altered = Buffer.from(JSON.stringify({ s: second.id, w: JSON.parse(Buffer.from(body, 'base64url').toString()).w })).toString('base64url');
    const tampered = await t.request({ method: 'POST', url: url('/sign/qr'), as: learnerAs, payload: { token: `${altered}.${mac}`, strokes: sampleStrokes() } });
    assert.equal(tampered.statusCode, 401);
    assert.equal(tampered.json().code, 'qr_token_invalid');
    const forged = createQrToken(Buffer.alloc(32, 7), f.session.id, qrWindowIndex(t.clock.now(), 15));
    assert.equal((await t.request({ method: 'POST', url: url('/sign/qr'), as: learnerAs, payload: { token: forged, strokes: sampleStrokes() } })).json().code, 'qr_token_invalid');

    // A learner not on the session: refused even with a current code.
    const outsider = await t.db.insertInto('people').values({ organisation_id: f.organisation.id, email: 'outsider@example.test', given_name: 'Out', family_name: 'Sider' }).returning('id').executeTakeFirstOrThrow();
    await t.db.insertInto('person_roles').values({ organisation_id: f.organisation.id, person_id: outsider.id, role: 'learner' }).execute();
    const { sessionHeaders } = await import('../../../test/factories.ts');
    const outsiderAs = await sessionHeaders(t.db, f.organisation.id, outsider.id);
    const fresh = (await t.request({ method: 'GET', url: url(`/sessions/${f.session.id}/qr`), as: f.as.trainer })).json();
    const refused = await t.request({ method: 'POST', url: url('/sign/qr'), as: outsiderAs, payload: { token: fresh.token, strokes: sampleStrokes() } });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().code, 'not_on_sheet');
    // Replayed by the same learner: the first proof.
    const replay = await t.request({ method: 'POST', url: url('/sign/qr'), as: learnerAs, payload: { token: fresh.token, strokes: sampleStrokes() } });
    assert.equal(replay.statusCode, 200);
    assert.equal(replay.json().signatureId, ok.json().signatureId);
  });

  test('geolocation is stored only when enabled with a purpose and the learner consents', async () => {
    const s = await makeSession(t.db, f.organisation.id, f.cohort.id, [f.trainer.id], '2026-03-05', '09:00', '12:30');
    await t.db.updateTable('organisations').set({ settings: JSON.stringify({ attendance: { geolocation: { enabled: true, purpose: 'Prove on-site training for the funder' } } }) as never }).where('id', '=', f.organisation.id).execute();
    t.clock.set('2026-03-05T08:00:00Z');
    const geo = { latitude: 48.8566, longitude: 2.3522, accuracy: 12.5 };
    const withConsent = await signLink((await link(f.learners[0]!.id, s.id, new Date('2026-03-06T00:00:00Z'))).token, sampleStrokes(), { geolocation: { ...geo, consent: true } });
    const without = await signLink((await link(f.learners[1]!.id, s.id, new Date('2026-03-06T00:00:00Z'))).token, sampleStrokes(), { geolocation: { ...geo, consent: false } });
    await t.db.updateTable('organisations').set({ settings: JSON.stringify({}) as never }).where('id', '=', f.organisation.id).execute();
    const disabled = await signLink((await link(f.learners[2]!.id, s.id, new Date('2026-03-06T00:00:00Z'))).token, sampleStrokes(), { geolocation: { ...geo, consent: true } });
    for (const r of [withConsent, without, disabled]) assert.equal(r.statusCode, 201, r.body);
    const geoOf = async (signatureId: string) => ((await t.db.selectFrom('evidence_entries').select('payload').where(sql<boolean>`payload->>'signatureId' = ${signatureId}`).executeTakeFirstOrThrow()).payload as any).geolocation;
    assert.deepEqual(await geoOf(withConsent.json().signatureId), { ...geo, purpose: 'Prove on-site training for the funder', consent: true });
    assert.equal(await geoOf(without.json().signatureId), null);
    assert.equal(await geoOf(disabled.json().signatureId), null);
  });

  test('kiosk: a trainer of the session vouches; others cannot', async () => {
    t.clock.set('2026-03-02T08:20:00Z');
    const roster = await t.request({ method: 'GET', url: url(`/sessions/${f.session.id}/roster`), as: f.as.trainer });
    assert.equal(roster.statusCode, 200);
    assert.equal(roster.json().items.length, 8);
    const target = f.learners[5]!.id;
    for (const [who, as, code] of [['learner', f.as.learner, 403], ['admin', f.as.admin, 403], ['other trainer', f.otherTrainerHeaders, 404]] as const) {
      const res = await t.request({ method: 'POST', url: url(`/sessions/${f.session.id}/kiosk/sign`), as, payload: { personId: target, strokes: sampleStrokes() } });
      assert.equal(res.statusCode, code, `${who}: ${res.body}`);
    }
    const res = await t.request({ method: 'POST', url: url(`/sessions/${f.session.id}/kiosk/sign`), as: f.as.trainer, payload: { personId: target, strokes: sampleStrokes() } });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().method, 'kiosk');
    assert.equal(res.json().status, 'late');
    const entry = await t.db.selectFrom('evidence_entries').select('payload').where(sql<boolean>`payload->>'signatureId' = ${res.json().signatureId}`).executeTakeFirstOrThrow();
    assert.equal((entry.payload as any).authentication.via, 'kiosk');
    assert.equal((entry.payload as any).authentication.vouchedBy.id, f.trainer.id);
    const stranger = await t.request({ method: 'POST', url: url(`/sessions/${f.session.id}/kiosk/sign`), as: f.as.trainer, payload: { personId: f.manager.id, strokes: sampleStrokes() } });
    assert.equal(stranger.statusCode, 403);
    assert.equal(stranger.json().code, 'not_on_sheet');
  });

  test('signature PNG: the signer, a trainer of the session and staff; not another learner', async () => {
    const record = await t.db.selectFrom('attendance_records').select('signature_id').where('session_id', '=', f.session.id).where('person_id', '=', f.learner.id).executeTakeFirstOrThrow();
    const id = record.signature_id!;
    for (const as of [f.as.learner, f.as.trainer, f.as.manager]) {
      const res = await t.request({ method: 'GET', url: url(`/signatures/${id}/png`), as });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'image/png');
      assert.deepEqual([...res.rawPayload.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
    }
    const { sessionHeaders } = await import('../../../test/factories.ts');
    const other = await sessionHeaders(t.db, f.organisation.id, f.learners[1]!.id);
    assert.equal((await t.request({ method: 'GET', url: url(`/signatures/${id}/png`), as: other })).statusCode, 404);
    assert.equal((await t.request({ method: 'GET', url: url(`/signatures/${id}/png`), as: f.otherTrainerHeaders })).statusCode, 404);
  });

  test('trainer marks: roles, reasons on behalf, left early', async () => {
    t.clock.set('2026-03-02T10:00:00Z');
    const markUrl = (personId: string) => url(`/sessions/${f.session.id}/attendance/${personId}`);
    const nobody = await t.db.selectFrom('attendance_records').select('person_id').where('session_id', '=', f.session.id).where('status', '=', 'pending').where('role', '=', 'learner').execute();
    assert.ok(nobody.length >= 1, 'a pending learner remains');
    const pending = nobody[0]!.person_id;
    assert.equal((await t.request({ method: 'PATCH', url: markUrl(pending), as: f.as.learner, payload: { status: 'present', reason: 'was there' } })).statusCode, 403);
    assert.equal((await t.request({ method: 'PATCH', url: markUrl(pending), as: f.otherTrainerHeaders, payload: { status: 'absent' } })).statusCode, 404);
    const noReason = await t.request({ method: 'PATCH', url: markUrl(pending), as: f.as.trainer, payload: { status: 'present' } });
    assert.equal(noReason.statusCode, 400);
    assert.equal(noReason.json().errors[0].path, 'body.reason');
    const marked = await t.request({ method: 'PATCH', url: markUrl(pending), as: f.as.trainer, payload: { status: 'present', reason: 'phone battery dead, seen in the room' } });
    assert.equal(marked.statusCode, 200, marked.body);
    assert.equal(marked.json().method, 'trainer_mark');
    assert.equal(marked.json().markedBy, f.trainer.id);
    assert.equal(marked.json().signatureId, null);
    const noLeftAt = await t.request({ method: 'PATCH', url: markUrl(f.learners[1]!.id), as: f.as.trainer, payload: { status: 'left_early' } });
    assert.equal(noLeftAt.json().errors[0].path, 'body.leftAt');
    const left = await t.request({ method: 'PATCH', url: markUrl(f.learners[1]!.id), as: f.as.trainer, payload: { status: 'left_early', leftAt: '2026-03-02T10:30:00Z' } });
    assert.equal(left.statusCode, 200, left.body);
    assert.equal(left.json().status, 'left_early');
    assert.equal(left.json().method, 'link');
    assert.equal(left.json().leftAtLocal, '2026-03-02T11:30:00+01:00');
    const bad = await t.request({ method: 'PATCH', url: markUrl(f.learners[1]!.id), as: f.as.trainer, payload: { status: 'excused' } });
    assert.equal(bad.statusCode, 400);
  });

  test('lock needs the trainer signature; pending become absent; then only amendments', async () => {
    t.clock.set('2026-03-02T11:35:00Z');
    const lockUrl = url(`/sessions/${f.session.id}/lock`);
    const noSig = await t.request({ method: 'POST', url: lockUrl, as: f.as.trainer });
    assert.equal(noSig.statusCode, 409);
    assert.equal(noSig.json().code, 'trainer_signature_missing');
    assert.equal((await t.request({ method: 'POST', url: url(`/sessions/${f.session.id}/trainer-signature`), as: f.as.manager, payload: { strokes: sampleStrokes() } })).statusCode, 403);
    const sig = await t.request({ method: 'POST', url: url(`/sessions/${f.session.id}/trainer-signature`), as: f.as.trainer, payload: { strokes: sampleStrokes(1) } });
    assert.equal(sig.statusCode, 201, sig.body);
    assert.equal(sig.json().method, 'sign_in');
    // One pending learner left, to be made absent at lock.
    const s2pending = await t.db.selectFrom('attendance_records').select('person_id').where('session_id', '=', f.session.id).where('status', '=', 'pending').where('role', '=', 'learner').execute();
    const locked = await t.request({ method: 'POST', url: lockUrl, as: f.as.trainer });
    assert.equal(locked.statusCode, 200, locked.body);
    const sheet = locked.json();
    assert.equal(sheet.status, 'locked');
    assert.equal(sheet.counts.pending, 0);
    assert.equal(sheet.counts.absent, s2pending.length);
    assert.equal(sheet.trainerSigned, true);
    assert.match(sheet.session.startsAt.local, /^2026-03-02T09:00:00\+01:00$/);

    const { token } = await link(f.learners[0]!.id);
    // learner 0 signed by QR: the link returns the first proof; a new person cannot sign on a locked sheet.
    assert.equal((await signLink(token)).statusCode, 200);
    const lockedAgain = await t.request({ method: 'POST', url: lockUrl, as: f.as.trainer });
    assert.equal(lockedAgain.json().code, 'sheet_locked');
    const mark = await t.request({ method: 'PATCH', url: url(`/sessions/${f.session.id}/attendance/${f.learners[2]!.id}`), as: f.as.trainer, payload: { status: 'absent', reason: 'left' } });
    assert.equal(mark.statusCode, 409);
    assert.equal(mark.json().code, 'sheet_locked');
    const kiosk = await t.request({ method: 'POST', url: url(`/sessions/${f.session.id}/kiosk/sign`), as: f.as.trainer, payload: { personId: s2pending[0]?.person_id ?? f.learners[2]!.id, strokes: sampleStrokes() } });
    assert.equal(kiosk.statusCode, 409);

    const amendUrl = url(`/sessions/${f.session.id}/amendments`);
    const target = s2pending[0]?.person_id ?? f.learners[2]!.id;
    assert.equal((await t.request({ method: 'POST', url: amendUrl, as: f.as.trainer, payload: { personId: target, status: 'present', reason: 'arrived late, signed paper' } })).statusCode, 403);
    assert.equal((await t.request({ method: 'POST', url: amendUrl, as: f.as.manager, payload: { personId: target, status: 'present' } })).statusCode, 400);
    const amended = await t.request({ method: 'POST', url: amendUrl, as: f.as.manager, payload: { personId: target, status: 'present', reason: 'signed the paper sheet, scanned' } });
    assert.equal(amended.statusCode, 201, amended.body);
    assert.equal(amended.json().version, 2);
    const row = amended.json().records.find((r: { personId: string }) => r.personId === target);
    assert.equal(row.status, 'present');
    assert.equal(row.method, 'trainer_mark');
    const amendment = await t.db.selectFrom('attendance_amendments').selectAll().where('session_id', '=', f.session.id).executeTakeFirstOrThrow();
    assert.equal(amendment.version, 2);
    assert.equal(amendment.amended_by, f.manager.id);
    assert.equal((amendment.changes as any).before.status, 'absent');
    const audit = await t.db.selectFrom('audit_events').select('type').where('subject_id', '=', f.session.id).execute();
    assert.ok(audit.some((a) => a.type === 'attendance.sheet_amended'));
    assert.ok(audit.some((a) => a.type === 'attendance.sheet_locked'));

    // markExcused on a locked sheet: another version.
    const excused = await withTenant(t.db, f.organisation.id, (trx) => markExcused(trx, { ...systemCtx(f.organisation.id), actor: { kind: 'person', organisationId: f.organisation.id, personId: f.manager.id, roles: ['manager'], method: 'password', csrfToken: '' } }, { sessionId: f.session.id, personId: target === f.learners[2]!.id ? f.learners[3]!.id : f.learners[2]!.id, justificationId: '00000000-0000-4000-8000-000000000001', now: t.clock.now() }).catch((e) => e));
    assert.ok(excused instanceof Error ? excused.message.includes('signed') : excused.version === 3, String(excused));
  });

  test('amending an open sheet is refused', async () => {
    const s = await makeSession(t.db, f.organisation.id, f.cohort.id, [f.trainer.id], '2026-03-06', '09:00', '12:00');
    const res = await t.request({ method: 'POST', url: url(`/sessions/${s.id}/amendments`), as: f.as.manager, payload: { personId: f.learner.id, status: 'present', reason: 'paper sheet' } });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().code, 'sheet_open');
    const excused = await withTenant(t.db, f.organisation.id, (trx) => markExcused(trx, systemCtx(f.organisation.id), { sessionId: s.id, personId: f.learner.id, justificationId: 'j-1', now: t.clock.now() }));
    assert.deepEqual(excused, { status: 'excused', version: 1 });
    const sheet = await t.request({ method: 'GET', url: url(`/sessions/${s.id}/attendance`), as: f.as.manager });
    assert.equal(sheet.json().records.find((r: { personId: string }) => r.personId === f.learner.id).status, 'excused');
  });

  test('evidence: sealed, verified, and a row changed by hand is named', async () => {
    assert.equal((await t.request({ method: 'POST', url: url('/evidence/seal'), as: f.as.manager })).statusCode, 403);
    const sealed = await t.request({ method: 'POST', url: url('/evidence/seal'), as: f.as.admin });
    assert.equal(sealed.statusCode, 200, sealed.body);
    assert.ok(sealed.json().entries > 5);
    const ok = await t.request({ method: 'GET', url: url('/evidence/verify'), as: f.as.admin });
    assert.equal(ok.json().ok, true, ok.body);
    assert.equal(ok.json().unsealedEntries, 0);
    assert.equal(ok.json().checkedEntries, sealed.json().entries);

    const victim = await t.db.selectFrom('evidence_entries').select(['id', 'seq']).where('type', '=', 'attendance.signed').orderBy('seq').limit(1).offset(1).executeTakeFirstOrThrow();
    await sql`ALTER TABLE evidence_entries DISABLE TRIGGER evidence_entries_seal_only`.execute(t.db);
    await sql`UPDATE evidence_entries SET payload = jsonb_set(payload, '{ip}', '"203.0.113.9"') WHERE id = ${victim.id}`.execute(t.db);
    await sql`ALTER TABLE evidence_entries ENABLE TRIGGER evidence_entries_seal_only`.execute(t.db);
    const bad = await t.request({ method: 'GET', url: url('/evidence/verify'), as: f.as.admin });
    assert.equal(bad.json().ok, false);
    assert.equal(bad.json().firstProblem.entryId, victim.id);
    assert.equal(bad.json().firstProblem.kind, 'content_mismatch');
    const direct = await verifyEvidence(t.db, f.organisation.id);
    assert.equal(direct.firstProblem?.seq, victim.seq);
  });

  test('QR scan: the code is checked when scanned; the 5-minute ticket lets the learner take their time, for them only', async () => {
    t.clock.set('2026-03-09T08:30:01Z');
    const own = await makeSession(t.db, f.organisation.id, f.cohort.id, [f.trainer.id], '2026-03-09', '09:00', '12:30');
    const { sessionHeaders } = await import('../../../test/factories.ts');
    const { makePerson } = await import('../../../test/factories.ts');
    const fresh = await makePerson(t.db, f.organisation.id, ['learner'], { givenName: 'Scan', familyName: 'Ticket' });
    await t.db.insertInto('enrolments').values({ organisation_id: f.organisation.id, cohort_id: f.cohort.id, person_id: fresh.id }).execute();
    const scanner = await sessionHeaders(t.db, f.organisation.id, fresh.id);
    const learner2 = await sessionHeaders(t.db, f.organisation.id, f.learners[1]!.id);
    const code = (await t.request({ method: 'GET', url: url(`/sessions/${own.id}/qr`), as: f.as.trainer })).json();
    const scanned = await t.request({ method: 'POST', url: url('/sign/qr/scan'), as: scanner, payload: { token: code.token } });
    assert.equal(scanned.statusCode, 200, scanned.body);
    const { ticket, expiresAt, sessionId } = scanned.json();
    assert.equal(sessionId, own.id);
    assert.equal(expiresAt, '2026-03-09T08:35:01.000Z');

    // The projected code has long rotated: the ticket still works 4 minutes later…
    t.clock.set('2026-03-09T08:34:00Z');
    assert.equal((await t.request({ method: 'POST', url: url('/sign/qr'), as: scanner, payload: { token: code.token, strokes: sampleStrokes() } })).statusCode, 410);
    // …but never for someone else, nor as a token, nor altered, nor both at once.
    assert.equal((await t.request({ method: 'POST', url: url('/sign/qr'), as: learner2, payload: { ticket, strokes: sampleStrokes() } })).json().code, 'qr_token_invalid');
    assert.equal((await t.request({ method: 'POST', url: url('/sign/qr'), as: scanner, payload: { token: ticket, strokes: sampleStrokes() } })).json().code, 'qr_token_invalid');
    const [prefix, body, mac] = ticket.split('.');
    const longer = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), exp: Date.parse('2026-03-09T00:00:00Z') })).toString('base64url');
    assert.equal((await t.request({ method: 'POST', url: url('/sign/qr'), as: scanner, payload: { ticket: `${prefix}.${longer}.${mac}`, strokes: sampleStrokes() } })).json().code, 'qr_token_invalid');
    const both = await t.request({ method: 'POST', url: url('/sign/qr'), as: scanner, payload: { token: code.token, ticket, strokes: sampleStrokes() } });
    assert.equal(both.statusCode, 400);
    const signed = await t.request({ method: 'POST', url: url('/sign/qr'), as: scanner, payload: { ticket, strokes: sampleStrokes() } });
    assert.equal(signed.statusCode, 201, signed.body);
    const entry = await t.db.selectFrom('evidence_entries').select('payload').where(sql<boolean>`payload->>'signatureId' = ${signed.json().signatureId}`).executeTakeFirstOrThrow();
    assert.equal((entry.payload as any).authentication.qrScannedAt, '2026-03-09T08:30:01.000Z');
    assert.match((entry.payload as any).authentication.qrTicketSha256, /^[0-9a-f]{64}$/);

    // Expired ticket; a stale code cannot even be scanned; not signed in → 401.
    t.clock.set('2026-03-09T08:35:01Z');
    assert.equal((await t.request({ method: 'POST', url: url('/sign/qr'), as: scanner, payload: { ticket, strokes: sampleStrokes() } })).json().code, 'qr_token_expired');
    assert.equal((await t.request({ method: 'POST', url: url('/sign/qr/scan'), as: scanner, payload: { token: code.token } })).json().code, 'qr_token_expired');
    assert.equal((await t.request({ method: 'POST', url: url('/sign/qr/scan'), payload: { token: code.token } })).statusCode, 401);
  });

});
