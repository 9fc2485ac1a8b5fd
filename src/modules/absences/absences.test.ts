import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeNotifyFixture, multipartBody } from '../reminders/notify-test-fixtures.ts';

const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj <<>> endobj\n'), Buffer.alloc(2000, 0x20), Buffer.from('\n%%EOF\n')]);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 1)]);
const EXE = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(500, 0)]);
const HTML = Buffer.from('\n  <!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>');

describe('absence justifications', () => {
  let t: TestContext;
  let f: Awaited<ReturnType<typeof makeNotifyFixture>>;
  let other: Awaited<ReturnType<typeof makeNotifyFixture>>;

  before(async () => {
    t = await createTestContext();
    f = await makeNotifyFixture(t.db, {
      extraLearners: 1,
      sessions: [
        { date: '2026-03-02', start: '09:00', end: '12:30' },
        { date: '2026-03-02', start: '13:30', end: '17:00' },
        { date: '2026-03-03', start: '09:00', end: '12:30' },
        { date: '2026-03-03', start: '13:30', end: '17:00' },
      ],
    });
    other = await makeNotifyFixture(t.db);
    // The second learner prefers English.
    await t.db.updateTable('people').set({ locale: 'en' }).where('id', '=', f.learners[1]!.id).execute();
  });
  after(() => t.close());

  const submit = (as: Record<string, string>, fields: Array<[string, string]>, file?: { name: string; type: string; data: Buffer; field?: string }) => {
    const body = multipartBody(fields, file);
    return t.request({ method: 'POST', url: '/api/v1/absences/justifications', as, payload: body.payload, headers: body.headers });
  };
  const count = async () => Number((await t.db.selectFrom('absence_justifications').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  test('a learner justifies two sessions with a PDF; the type and SHA-256 come from the content', async () => {
    const res = await submit(f.as.learner, [['reason', 'Arrêt maladie'], ['sessionIds', f.sessions[0]!.id], ['sessionIds', f.sessions[1]!.id]], { name: 'arret.pdf', type: 'application/octet-stream', data: PDF });
    assert.equal(res.statusCode, 201, res.body);
    const j = res.json();
    assert.equal(j.status, 'pending');
    assert.equal(j.personId, f.learner.id);
    assert.deepEqual(j.sessions.map((s: { id: string }) => s.id), [f.sessions[0]!.id, f.sessions[1]!.id]);
    assert.deepEqual(j.file, { type: 'application/pdf', size: PDF.length, sha256: createHash('sha256').update(PDF).digest('hex'), name: 'arret.pdf' });
    const audit = await t.db.selectFrom('audit_events').selectAll().where('type', '=', 'absence.justification_submitted').where('subject_id', '=', j.id).executeTakeFirst();
    assert.ok(audit);

    // The file comes back as an attachment with the detected type and nosniff.
    const file = await t.request({ method: 'GET', url: `/api/v1/absences/justifications/${j.id}/file`, as: f.as.manager });
    assert.equal(file.statusCode, 200);
    assert.equal(file.headers['content-type'], 'application/pdf');
    assert.equal(file.headers['content-disposition'], `attachment; filename="justification-${j.id}.pdf"`);
    assert.equal(file.headers['x-content-type-options'], 'nosniff');
    assert.ok(file.rawPayload.equals(PDF));
    // The learner downloads their own; another learner, a trainer, another organisation cannot.
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/absences/justifications/${j.id}/file`, as: f.as.learner })).statusCode, 200);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/absences/justifications/${j.id}/file`, as: f.learnerHeaders[1] })).statusCode, 404);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/absences/justifications/${j.id}`, as: f.learnerHeaders[1] })).statusCode, 404);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/absences/justifications/${j.id}/file`, as: f.as.trainer })).statusCode, 403);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/absences/justifications/${j.id}/file`, as: other.as.manager })).statusCode, 404);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/absences/justifications/${j.id}`, as: other.as.admin })).statusCode, 404);
  });

  test('a file that lies about its type is refused from its content, naming what it is; nothing is written', async () => {
    const before = await count();
    const exe = await submit(f.as.learner, [['reason', 'x'], ['sessionIds', f.sessions[2]!.id]], { name: 'certificat.pdf', type: 'application/pdf', data: EXE });
    assert.equal(exe.statusCode, 415, exe.body);
    assert.equal(exe.json().code, 'file_type_not_allowed');
    assert.match(exe.json().detail, /Windows executable/);
    assert.match(exe.json().detected, /Windows executable/);
    const html = await submit(f.as.learner, [['reason', 'x'], ['sessionIds', f.sessions[2]!.id]], { name: 'scan.png', type: 'image/png', data: HTML });
    assert.equal(html.statusCode, 415);
    assert.match(html.json().detail, /HTML document/);
    const text = await submit(f.as.learner, [['reason', 'x'], ['sessionIds', f.sessions[2]!.id]], { name: 'a.jpg', type: 'image/jpeg', data: Buffer.from('just some text') });
    assert.equal(text.statusCode, 415);
    assert.match(text.json().detail, /text file/);
    assert.equal(await count(), before);
  });

  test('a file over 10 MB is refused with 413; bad fields with 400 naming them', async () => {
    const before = await count();
    const big = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(10 * 1024 * 1024, 0x20)]);
    const res = await submit(f.as.learner, [['reason', 'x'], ['sessionIds', f.sessions[2]!.id]], { name: 'big.pdf', type: 'application/pdf', data: big });
    assert.equal(res.statusCode, 413, res.body);
    assert.equal(res.json().code, 'payload_too_large');

    const noReason = await submit(f.as.learner, [['sessionIds', f.sessions[2]!.id]]);
    assert.equal(noReason.statusCode, 400);
    assert.ok(noReason.json().errors.some((e: { path: string }) => e.path === 'body.reason'), noReason.body);
    const badId = await submit(f.as.learner, [['reason', 'x'], ['sessionIds', `${f.sessions[2]!.id},not-an-id`]]);
    assert.equal(badId.statusCode, 400);
    assert.ok(badId.json().errors.some((e: { path: string }) => e.path === 'body.sessionIds[1]'), badId.body);
    const none = await submit(f.as.learner, [['reason', 'x']]);
    assert.equal(none.statusCode, 400);
    const extra = await submit(f.as.learner, [['reason', 'x'], ['sessionIds', f.sessions[2]!.id], ['personId', f.learners[1]!.id]]);
    assert.equal(extra.statusCode, 400);
    assert.match(extra.json().detail, /body\.personId: unknown field/);
    const json = await t.request({ method: 'POST', url: '/api/v1/absences/justifications', as: f.as.learner, payload: { reason: 'x', sessionIds: [f.sessions[2]!.id] } });
    assert.equal(json.statusCode, 415);
    assert.equal(await count(), before);
  });

  test("unknown sessions, another learner's or another organisation's sessions, and sessions already justified are refused by name", async () => {
    const before = await count();
    const unknown = '00000000-0000-4000-8000-000000000000';
    const res = await submit(f.as.learner, [['reason', 'x'], ['sessionIds', [f.sessions[2]!.id, unknown, other.sessions[0]!.id, f.sessions[0]!.id].join(',')]]);
    assert.equal(res.statusCode, 422, res.body);
    assert.equal(res.json().code, 'sessions_not_justifiable');
    assert.deepEqual(
      res.json().errors.map((e: { path: string }) => e.path),
      ['body.sessionIds[1]', 'body.sessionIds[2]', 'body.sessionIds[3]'],
    );
    assert.match(res.json().errors[0].message, new RegExp(`${unknown} is not one of your sessions`));
    assert.match(res.json().errors[1].message, new RegExp(`${other.sessions[0]!.id} is not one of your sessions`), 'the same answer as an unknown id');
    assert.ok(!res.body.includes('Salle'), 'nothing about the other session leaks');
    assert.match(res.json().errors.at(-1).message, /already covered by a pending justification/);
    // The same, machine-readable: each refused session with its reason (a page says why in its own language).
    assert.deepEqual(res.json().sessions, [
      { sessionId: unknown, reason: 'not_yours' },
      { sessionId: other.sessions[0]!.id, reason: 'not_yours' },
      { sessionId: f.sessions[0]!.id, reason: 'covered_pending' },
    ]);
    // A learner of another cohort; staff and API keys do not justify for themselves.
    assert.equal((await submit(other.as.learner, [['reason', 'x'], ['sessionIds', f.sessions[2]!.id]])).statusCode, 422);
    assert.equal((await submit(f.as.manager, [['reason', 'x'], ['sessionIds', f.sessions[2]!.id]])).statusCode, 403);
    assert.equal((await submit(f.as.apiKey, [['reason', 'x'], ['sessionIds', f.sessions[2]!.id]])).statusCode, 403);
    assert.equal(await count(), before);
  });

  test('managers list pending ones oldest first; learners only their own; trainers none', async () => {
    t.clock.advance(60_000); // submission times come from the clock: make "oldest first" unambiguous
    const second = await submit(f.learnerHeaders[1]!, [['reason', 'Train cancelled'], ['sessionIds', f.sessions[2]!.id]], { name: 'ticket.png', type: 'image/png', data: PNG });
    assert.equal(second.statusCode, 201, second.body);
    const pending = await t.request({ method: 'GET', url: '/api/v1/absences/justifications?status=pending', as: f.as.manager });
    assert.equal(pending.statusCode, 200);
    assert.deepEqual(pending.json().items.map((j: { personId: string }) => j.personId), [f.learner.id, f.learners[1]!.id]);
    const own = await t.request({ method: 'GET', url: '/api/v1/absences/justifications', as: f.learnerHeaders[1] });
    assert.deepEqual(own.json().items.map((j: { personId: string }) => j.personId), [f.learners[1]!.id]);
    const sneaky = await t.request({ method: 'GET', url: `/api/v1/absences/justifications?personId=${f.learner.id}`, as: f.learnerHeaders[1] });
    assert.deepEqual(sneaky.json().items.map((j: { personId: string }) => j.personId), [f.learners[1]!.id]);
    const trainerList = await t.request({ method: 'GET', url: '/api/v1/absences/justifications', as: f.as.trainer });
    assert.equal(trainerList.statusCode, 403);
    // The refusal says why with a stable reason (worded in the reader's language by the web app).
    assert.deepEqual([trainerList.json().code, trainerList.json().reason], ['forbidden', 'justifications_learner_or_manager']);
    assert.deepEqual((await t.request({ method: 'GET', url: '/api/v1/absences/justifications', as: other.as.manager })).json().items, []);
    const paged = await t.request({ method: 'GET', url: '/api/v1/absences/justifications?status=pending&limit=1', as: f.as.manager });
    const next = await t.request({ method: 'GET', url: `/api/v1/absences/justifications?status=pending&limit=1&cursor=${paged.json().nextCursor}`, as: f.as.manager });
    assert.equal(next.json().items[0].personId, f.learners[1]!.id);
  });

  test('accepting excuses the learner on its sessions, emits absence.justified, audits and mails (FR); reviewing twice is 409', async () => {
    const hook = await t.request({ method: 'POST', url: '/api/v1/webhooks', as: f.as.admin, payload: { url: 'https://hooks.example.com/a', events: ['absence.justified'] } });
    assert.equal(hook.statusCode, 201);
    const j = (await t.request({ method: 'GET', url: `/api/v1/absences/justifications?status=pending&personId=${f.learner.id}`, as: f.as.manager })).json().items[0];
    const review = (as: Record<string, string>, payload: unknown, id = j.id) => t.request({ method: 'POST', url: `/api/v1/absences/justifications/${id}/review`, as, payload: payload as never });

    assert.equal((await review(f.as.learner, { decision: 'accepted' })).statusCode, 403);
    assert.equal((await review(f.as.trainer, { decision: 'accepted' })).statusCode, 403);
    assert.equal((await review(other.as.manager, { decision: 'accepted' })).statusCode, 404);
    assert.equal((await review(f.as.manager, { decision: 'maybe' })).statusCode, 400);

    const res = await review(f.as.manager, { decision: 'accepted', note: 'Bon rétablissement' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().status, 'accepted');
    assert.equal(res.json().reviewedBy, f.manager.id);
    assert.deepEqual(res.json().excusedSessionIds.sort(), [f.sessions[0]!.id, f.sessions[1]!.id].sort());

    const records = await t.db.selectFrom('attendance_records').select(['session_id', 'status']).where('person_id', '=', f.learner.id).execute();
    assert.deepEqual(records.filter((r) => r.status === 'excused').map((r) => r.session_id).sort(), [f.sessions[0]!.id, f.sessions[1]!.id].sort());
    const deliveries = await t.db.selectFrom('webhook_deliveries').selectAll().where('organisation_id', '=', f.organisation.id).where('event_type', '=', 'absence.justified').execute();
    assert.equal(deliveries.length, 1);
    assert.equal(deliveries[0]!.payload.data.justificationId, j.id);
    assert.ok(await t.db.selectFrom('audit_events').select('id').where('type', '=', 'absence.justification_reviewed').where('subject_id', '=', j.id).executeTakeFirst());
    const mail = await t.db.selectFrom('outbox_mails').selectAll().where('to_address', '=', f.learner.email).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    assert.equal(mail.subject, "Votre justificatif d'absence est accepté");
    assert.match(mail.text_body, /lundi 2 mars 2026, 09:00–12:30 \(Europe\/Paris\)/);
    assert.match(mail.text_body, /Bon rétablissement/);

    const again = await review(f.as.manager, { decision: 'refused' });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'justification_already_reviewed');
    // An excused session cannot be justified again.
    const dup = await submit(f.as.learner, [['reason', 'again'], ['sessionIds', f.sessions[0]!.id]]);
    assert.equal(dup.statusCode, 422);
    assert.match(dup.json().detail, /already excused/);
    assert.deepEqual(dup.json().sessions, [{ sessionId: f.sessions[0]!.id, reason: 'excused' }]);
  });

  test('accepting after the sheet was locked amends it (a new version) through markExcused', async () => {
    const session = f.sessions[3]!;
    const j = await submit(f.as.learner, [['reason', 'Rendez-vous médical'], ['sessionIds', session.id]], { name: 'rdv.jpg', type: 'image/jpeg', data: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 7)]) });
    assert.equal(j.statusCode, 201, j.body);
    assert.equal(j.json().file.type, 'image/jpeg');
    t.clock.set('2026-03-03T15:30:00Z');
    const strokes = { width: 400, height: 150, strokes: [{ points: Array.from({ length: 20 }, (_, i) => ({ x: 20 + i * 15, y: 60 + (i % 5) * 4, t: i * 16 })) }] };
    assert.equal((await t.request({ method: 'POST', url: `/api/v1/sessions/${session.id}/trainer-signature`, as: f.as.trainer, payload: { strokes } })).statusCode, 201);
    const locked = await t.request({ method: 'POST', url: `/api/v1/sessions/${session.id}/lock`, as: f.as.trainer });
    assert.equal(locked.statusCode, 200, locked.body);
    const sheetBefore = await t.db.selectFrom('attendance_sheets').select(['status', 'version']).where('session_id', '=', session.id).executeTakeFirstOrThrow();
    assert.equal(sheetBefore.status, 'locked');
    const absent = await t.db.selectFrom('attendance_records').select('status').where('session_id', '=', session.id).where('person_id', '=', f.learner.id).executeTakeFirstOrThrow();
    assert.equal(absent.status, 'absent');

    const res = await t.request({ method: 'POST', url: `/api/v1/absences/justifications/${j.json().id}/review`, as: f.as.manager, payload: { decision: 'accepted' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().excusedSessionIds, [session.id]);
    const record = await t.db.selectFrom('attendance_records').select('status').where('session_id', '=', session.id).where('person_id', '=', f.learner.id).executeTakeFirstOrThrow();
    assert.equal(record.status, 'excused');
    const sheetAfter = await t.db.selectFrom('attendance_sheets').select(['status', 'version']).where('session_id', '=', session.id).executeTakeFirstOrThrow();
    assert.equal(sheetAfter.status, 'locked');
    assert.equal(sheetAfter.version, sheetBefore.version + 1);
    const amendment = await t.db.selectFrom('attendance_amendments').selectAll().where('session_id', '=', session.id).executeTakeFirstOrThrow();
    assert.match(amendment.reason, new RegExp(j.json().id));
  });

  test('refusing leaves the absence unjustified and mails the learner in English', async () => {
    const j = (await t.request({ method: 'GET', url: `/api/v1/absences/justifications?status=pending`, as: f.as.apiKey })).json().items[0];
    assert.equal(j.personId, f.learners[1]!.id);
    const res = await t.request({ method: 'POST', url: `/api/v1/absences/justifications/${j.id}/review`, as: f.as.apiKey, payload: { decision: 'refused', note: 'No proof of cancellation' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().status, 'refused');
    assert.equal(res.json().reviewedBy, null);
    const record = await t.db.selectFrom('attendance_records').select('status').where('person_id', '=', f.learners[1]!.id).where('session_id', '=', f.sessions[2]!.id).executeTakeFirst();
    assert.notEqual(record?.status, 'excused');
    const mail = await t.db.selectFrom('outbox_mails').selectAll().where('to_address', '=', f.learners[1]!.email).executeTakeFirstOrThrow();
    assert.equal(mail.subject, 'Your absence justification was refused');
    assert.match(mail.text_body, /Tuesday, 3 March 2026, 09:00–12:30 \(Europe\/Paris\)/);
    // After a refusal the learner may try again with a better proof.
    const retry = await submit(f.learnerHeaders[1]!, [['reason', 'SNCF certificate attached'], ['sessionIds', f.sessions[2]!.id]], { name: 'sncf.pdf', type: 'application/pdf', data: PDF });
    assert.equal(retry.statusCode, 201, retry.body);
  });
});
