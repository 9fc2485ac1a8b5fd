import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeAttendanceFixture, makeSession } from '../attendance/attendance-test-fixtures.ts';
import { assertSealValid, pdfColumnText, pdfText, renderFirstPage, signRecord } from './documents-test-support.ts';

type Fixture = Awaited<ReturnType<typeof makeAttendanceFixture>>;
const printed = (p: { given_name: string; family_name: string }) => `${p.family_name.toLocaleUpperCase('fr-FR')} ${p.given_name}`;

describe('session attendance sheet PDF', () => {
  let t: TestContext;
  let f: Fixture;
  let firstPdf: Buffer;
  let code: string;

  before(async () => {
    t = await createTestContext();
    f = await makeAttendanceFixture(t.db, { learners: 3 });
    await t.db.updateTable('programs').set({ funder: 'OPCO Atlas', funding_reference: 'CPF-2026-0042' }).where('id', '=', f.program.id).execute();
    const org = f.organisation.id;
    const [a, b] = f.learners;
    await signRecord(t.db, org, f.session.id, a!.id, { status: 'present', at: new Date('2026-03-02T07:58:30Z'), method: 'qr', seed: 1 });
    await signRecord(t.db, org, f.session.id, b!.id, { status: 'late', lateMinutes: 12, at: new Date('2026-03-02T08:12:00Z'), method: 'link', seed: 2, ip: '198.51.100.23' });
    await signRecord(t.db, org, f.session.id, f.trainer.id, { status: 'present', role: 'trainer', at: new Date('2026-03-02T07:55:00Z'), method: 'sign_in', seed: 3 });
    t.clock.set('2026-03-02T12:00:00Z'); // the session is over: an unsigned record is "not signed"
  });
  after(() => t.close());

  test('staff get a sealed sheet that pdfsig validates, with names, times with their zone, code, draft mark and appendix', async () => {
    const res = await t.request({ method: 'GET', url: `/api/v1/sessions/${f.session.id}/sheet.pdf`, as: f.as.manager });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['content-type'], 'application/pdf');
    code = String(res.headers['x-verification-code']);
    assert.match(code, /^[A-Z0-9]{10}$/);
    firstPdf = res.rawPayload;
    assertSealValid(firstPdf, 'session sheet');
    renderFirstPage(firstPdf);
    const text = pdfText(firstPdf);
    for (const learner of f.learners) assert.ok(text.includes(printed(learner)), `missing ${printed(learner)}`);
    const flat = text.replace(/\s+/g, ' ');
    for (const needle of ['08:58:30 Europe/Paris', '09:12:00 Europe/Paris']) assert.ok(flat.includes(needle), `lacks ${needle}`);
    for (const needle of [
      'Programme Sécurité',
      'OPCO Atlas',
      'CPF-2026-0042',
      'Cohorte Mars',
      'lundi 2 mars 2026',
      'Matin',
      '09:00 – 12:30 (Europe/Paris, UTC+01:00)',
      'En retard (12 min)',
      'Non signé',
      'PROVISOIRE / DRAFT',
      code,
      `http://localhost:3000/verify/${code}`,
      'Annexe — journal de preuves',
      '198.51.100.23',
      printed(f.trainer),
    ]) {
      assert.ok(text.includes(needle), `pdftotext lacks "${needle}":\n${text}`);
    }
    // The appendix shows each signature's hashes, as stored.
    const sig = await t.db.selectFrom('signatures').select(['png_sha256', 'strokes_sha256']).where('person_id', '=', f.learners[1]!.id).executeTakeFirstOrThrow();
    const evidence = await t.db.selectFrom('evidence_entries').select('content_hash').where('organisation_id', '=', f.organisation.id).execute();
    const compact = text.replace(/\s+/g, '');
    assert.ok(compact.includes(sig.png_sha256) && flat.includes(sig.strokes_sha256));
    for (const e of evidence) assert.ok(compact.includes(e.content_hash), `appendix lacks evidence hash ${e.content_hash}`);
    // Registered for verification.
    const issued = await t.db.selectFrom('issued_documents').selectAll().where('verification_code', '=', code).execute();
    assert.equal(issued.length, 1);
    assert.equal(issued[0]!.kind, 'session_sheet');
    const audit = await t.db.selectFrom('audit_events').select('type').where('organisation_id', '=', f.organisation.id).where('type', '=', 'document.issued').execute();
    assert.equal(audit.length, 1);
  });

  test('verification by code is public and says what the sheet attests', async () => {
    const res = await t.request({ method: 'GET', url: `/api/v1/verify/${code.toLowerCase()}` });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.valid, true);
    assert.equal(body.kind, 'session_sheet');
    assert.equal(body.organisation, f.organisation.name);
    assert.equal(body.version, 1);
    assert.equal(body.latestVersion, 1);
    assert.equal(body.attests.program, 'Programme Sécurité');
    assert.equal(body.attests.date, '2026-03-02');
    assert.equal(body.attests.learners, 3);
    assert.equal(body.attests.signed, 2);
    assert.deepEqual(body.attests.statuses, { present: 1, late: 1, pending: 1 });
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/verify/AAAAAAAAAA' })).statusCode, 404);
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/verify/bad-code!' })).statusCode, 400);
  });

  test('POST /verify: the PDF itself is intact and matches; one flipped byte is caught', async () => {
    const ok = await t.request({ method: 'POST', url: '/api/v1/verify', headers: { 'content-type': 'application/pdf' }, payload: firstPdf });
    assert.equal(ok.statusCode, 200, ok.body);
    const v = ok.json();
    assert.equal(v.valid, true);
    assert.equal(v.intact, true);
    assert.equal(v.coversWholeDocument, true);
    assert.equal(v.matchesIssuedDocument, true);
    assert.equal(v.claimedVerificationCode, code);
    assert.equal(v.document.verificationCode, code);
    assert.equal(v.sealedBy.commonName, f.organisation.name);
    const seal = await t.request({ method: 'GET', url: '/api/v1/organisation/seal', as: f.as.admin });
    assert.equal(v.sealedBy.fingerprint, seal.json().fingerprint);

    const tampered = Buffer.from(firstPdf);
    const at = tampered.indexOf('Programme Sécurité') > 0 ? tampered.indexOf('/Title') : 200;
    tampered[at + 1] = tampered[at + 1]! ^ 0x01;
    const bad = await t.request({ method: 'POST', url: '/api/v1/verify', headers: { 'content-type': 'application/pdf' }, payload: tampered });
    assert.equal(bad.statusCode, 200, bad.body);
    assert.equal(bad.json().intact, false);
    assert.equal(bad.json().valid, false);
    assert.equal(bad.json().matchesIssuedDocument, false);
    assert.match(bad.json().reason, /digest|signature/i);

    const appended = Buffer.concat([firstPdf, Buffer.from('\n% appended\n')]);
    const app2 = (await t.request({ method: 'POST', url: '/api/v1/verify', headers: { 'content-type': 'application/pdf' }, payload: appended })).json();
    assert.equal(app2.valid, false);
    assert.equal(app2.coversWholeDocument, false);

    const notPdf = await t.request({ method: 'POST', url: '/api/v1/verify', headers: { 'content-type': 'application/pdf' }, payload: Buffer.from('hello') });
    assert.equal(notPdf.statusCode, 200);
    assert.equal(notPdf.json().intact, false);
    const wrongType = await t.request({ method: 'POST', url: '/api/v1/verify', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
    assert.equal(wrongType.statusCode, 415, wrongType.body);
  });

  test('a locked sheet has no draft mark; after an amendment the earlier copy is no longer the latest version', async () => {
    await t.db.updateTable('attendance_sheets').set({ status: 'locked', locked_at: new Date('2026-03-02T11:40:00Z'), locked_by: f.trainer.id }).where('session_id', '=', f.session.id).execute();
    const res = await t.request({ method: 'GET', url: `/api/v1/sessions/${f.session.id}/sheet.pdf`, as: f.as.trainer });
    assert.equal(res.statusCode, 200, res.body);
    assertSealValid(res.rawPayload, 'locked sheet');
    const text = pdfText(res.rawPayload);
    assert.ok(!text.includes('PROVISOIRE'), 'a locked sheet must not carry the draft mark');
    assert.ok(text.includes('verrouillée le 2 mars 2026 à 12:40 (Europe/Paris)'), text);
    await t.db.updateTable('attendance_sheets').set({ version: 2 }).where('session_id', '=', f.session.id).execute();
    const v = (await t.request({ method: 'POST', url: '/api/v1/verify', headers: { 'content-type': 'application/pdf' }, payload: res.rawPayload })).json();
    assert.equal(v.valid, true);
    assert.equal(v.document.version, 1);
    assert.equal(v.document.latestVersion, 2);
    assert.equal(v.document.isLatestVersion, false);
  });

  test('who may download: learners 403, a trainer of another cohort 404, unknown 404', async () => {
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/sessions/${f.session.id}/sheet.pdf`, as: f.as.learner })).statusCode, 403);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/sessions/${f.session.id}/sheet.pdf`, as: f.otherTrainerHeaders })).statusCode, 404);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/sessions/00000000-0000-4000-8000-000000000000/sheet.pdf`, as: f.as.admin })).statusCode, 404);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/sessions/${f.session.id}/sheet.pdf` })).statusCode, 401);
  });

  test('a sheet dated on a public holiday says so; English organisations get English sheets', async () => {
    await t.db.updateTable('organisations').set({ locale: 'en' }).where('id', '=', f.organisation.id).execute();
    const holiday = await makeSession(t.db, f.organisation.id, f.cohort.id, [f.trainer.id], '2026-05-01', '14:00', '17:30');
    const res = await t.request({ method: 'GET', url: `/api/v1/sessions/${holiday.id}/sheet.pdf`, as: f.as.admin });
    assert.equal(res.statusCode, 200, res.body);
    assertSealValid(res.rawPayload, 'holiday sheet');
    const text = pdfText(res.rawPayload);
    for (const needle of ['Attendance sheet', 'Friday, 1 May 2026', 'Afternoon', '14:00 – 17:30 (Europe/Paris, UTC+02:00)', 'WARNING: this date is a public holiday (Fête du Travail)']) {
      assert.ok(text.includes(needle), `lacks "${needle}":\n${text}`);
    }
    await t.db.updateTable('organisations').set({ locale: 'fr' }).where('id', '=', f.organisation.id).execute();
  });
});

describe('a sheet states the facts: reasons, marks, later signatures, amendments, nothing cut', () => {
  let t: TestContext;
  let f: Fixture;

  before(async () => {
    t = await createTestContext();
    f = await makeAttendanceFixture(t.db, { learners: 7 });
    const org = f.organisation.id;
    const [a, b, c, d, , g, h] = f.learners;
    await t.db.updateTable('people').set({ given_name: 'Marie-Ange Éléonore 王小明', family_name: 'de La Rochefoucauld-Montbazon-Liancourt' }).where('id', '=', a!.id).execute();
    await signRecord(t.db, org, f.session.id, a!.id, { status: 'left_early', at: new Date('2026-03-02T08:00:00Z'), leftAt: new Date('2026-03-02T09:10:00Z'), seed: 1 });
    await signRecord(t.db, org, f.session.id, b!.id, { status: 'late', lateMinutes: 0, at: new Date('2026-03-02T08:00:30Z'), seed: 2 });
    await signRecord(t.db, org, f.session.id, c!.id, { status: 'absent', sign: true, at: new Date('2026-03-02T08:40:12Z'), seed: 3 });
    await signRecord(t.db, org, f.session.id, d!.id, { status: 'absent' });
    const reason = 'Rendez-vous médical urgent à l’hôpital Édouard-Herriot, prévenu la veille par courriel au formateur référent';
    await t.db.updateTable('attendance_records').set({ reason, marked_by: f.trainer.id }).where('person_id', '=', a!.id).execute();
    // Marked absent by the trainer, then signed from a link: waiting for the trainer (the signing side's review state).
    await t.db.updateTable('attendance_records').set({ reason: 'Absent à l’appel de 9 h', marked_by: f.trainer.id, method: 'link', review: 'pending' }).where('person_id', '=', c!.id).execute();
    // The trainer's decision on such a signature: confirmed (the record becomes late from the signing time) or refused (the mark stays).
    await signRecord(t.db, org, f.session.id, g!.id, { status: 'late', lateMinutes: 40, at: new Date('2026-03-02T08:40:00Z'), method: 'link', seed: 4 });
    await t.db.updateTable('attendance_records').set({ marked_by: f.trainer.id, review: 'confirmed', reviewed_by: f.trainer.id, reviewed_at: new Date('2026-03-02T09:00:00Z') }).where('person_id', '=', g!.id).execute();
    await signRecord(t.db, org, f.session.id, h!.id, { status: 'absent', sign: true, at: new Date('2026-03-02T10:05:00Z'), method: 'link', seed: 5 });
    await t.db.updateTable('attendance_records').set({ marked_by: f.trainer.id, method: 'link', review: 'rejected', reviewed_by: f.trainer.id, reviewed_at: new Date('2026-03-02T10:30:00Z') }).where('person_id', '=', h!.id).execute();
    await t.db.updateTable('attendance_sheets').set({ status: 'locked', locked_at: new Date('2026-03-02T11:40:00Z'), locked_by: f.trainer.id }).where('session_id', '=', f.session.id).execute();
    t.clock.set('2026-03-04T09:30:00Z');
    const amended = await t.request({ method: 'POST', url: `/api/v1/sessions/${f.session.id}/amendments`, as: f.as.manager, payload: { personId: d!.id, status: 'excused', reason: 'Certificat médical reçu le 4 mars, arrêt de travail de deux jours' } });
    assert.equal(amended.statusCode, 201, amended.body);
  });
  after(() => t.close());

  test('every reason, mark, review and amendment is on the sheet, wrapped, never cut; no "0 min"; dates in words', async () => {
    const res = await t.request({ method: 'GET', url: `/api/v1/sessions/${f.session.id}/sheet.pdf`, as: f.as.manager });
    assert.equal(res.statusCode, 200, res.body);
    assertSealValid(res.rawPayload, 'amended sheet');
    const [a, b, c, d] = f.learners;
    const sheet = pdfText(res.rawPayload, { first: 1, last: 1 });
    // Each column read on its own (pdftotext -layout interleaves wrapped cells of neighbouring columns).
    const flat = [sheet, pdfColumnText(res.rawPayload, 1, 36, 128), pdfColumnText(res.rawPayload, 1, 164, 150), pdfColumnText(res.rawPayload, 1, 478, 82)].join(' ').replace(/\s+/g, ' ');
    for (const needle of [
      'Parti en avance (parti à 10:10)',
      'Motif : Rendez-vous médical urgent à l’hôpital Édouard-Herriot, prévenu la veille par courriel au formateur référent',
      `marqué par ${f.trainer.given_name} ${f.trainer.family_name}`,
      'signé ensuite par l’apprenant (09:40:12 Europe/Paris), en attente de confirmation du formateur',
      'Motif : Absent à l’appel de 9 h',
      'En retard (40 min)',
      `signé ensuite par l’apprenant (09:40:00 Europe/Paris), confirmé par ${f.trainer.given_name} ${f.trainer.family_name} le 2 mars 2026 à 10:00 (Europe/Paris)`,
      `signé ensuite par l’apprenant (11:05:00 Europe/Paris), refusé par ${f.trainer.given_name} ${f.trainer.family_name} le 2 mars 2026 à 11:30 (Europe/Paris) : la marque du formateur est maintenue`,
      'verrouillée le 2 mars 2026 à 12:40 (Europe/Paris)',
      'modifiée après verrouillage',
      'Modifications après verrouillage',
      `Version 2 — 4 mars 2026 à 10:30 (Europe/Paris) — par ${f.manager.given_name} ${f.manager.family_name}`,
      `${printed(d!)} : Absent → Absence justifiée`,
      'Motif : Certificat médical reçu le 4 mars, arrêt de travail de deux jours',
    ]) {
      assert.ok(flat.includes(needle), `page 1 lacks "${needle}":\n${sheet}`);
    }
    // The long name wraps in its cell, at spaces and hyphens.
    // (pdftotext joins a line that ends with a hyphen to the next one.)
    assert.match(pdfColumnText(res.rawPayload, 1, 36, 128), /DE LA ROCHEFOUCAULD-? ?MONTBAZON-? ?LIANCOURT Marie-Ange Éléonore 王小明/);
    assert.ok(new RegExp(`${printed(b!)}\\s+En retard\\s`).test(sheet), sheet);
    assert.doesNotMatch(sheet, /(?<!\d)0 min|…/);
    assert.doesNotMatch(sheet, /\d{4}-\d{2}-\d{2}/, 'an ISO date on the sheet');
    assert.ok(printed(c!) && printed(a!));
  });

  test('a session still to come: its unsigned learners are blank, not "not signed"', async () => {
    const future = await makeSession(t.db, f.organisation.id, f.cohort.id, [f.trainer.id], '2026-03-10', '09:00', '12:30');
    const res = await t.request({ method: 'GET', url: `/api/v1/sessions/${future.id}/sheet.pdf`, as: f.as.manager });
    assert.equal(res.statusCode, 200, res.body);
    const text = pdfText(res.rawPayload);
    for (const learner of f.learners.slice(1)) assert.ok(text.includes(printed(learner)), `lacks ${printed(learner)}`);
    assert.ok(!text.includes('Non signé'), text);
  });
});

describe('a long session sheet continues on the next pages with its column headers', () => {
  let t: TestContext;
  let f: Fixture;

  before(async () => {
    t = await createTestContext();
    f = await makeAttendanceFixture(t.db, { learners: 24 });
    for (const [i, learner] of f.learners.entries()) {
      await signRecord(t.db, f.organisation.id, f.session.id, learner.id, { status: 'absent' });
      await t.db
        .updateTable('attendance_records')
        .set({ reason: `Absence n° ${i + 1} signalée par téléphone au secrétariat, justificatif promis pour la semaine suivante`, marked_by: f.trainer.id })
        .where('person_id', '=', learner.id)
        .execute();
    }
    t.clock.set('2026-03-02T12:00:00Z');
  });
  after(() => t.close());

  test('every learner and every reason is there, the headers repeated on each page of the table', async () => {
    const res = await t.request({ method: 'GET', url: `/api/v1/sessions/${f.session.id}/sheet.pdf`, as: f.as.manager });
    assert.equal(res.statusCode, 200, res.body);
    assertSealValid(res.rawPayload, 'long sheet');
    const pages = [1, 2, 3].map((p) => pdfText(res.rawPayload, { first: p, last: p }));
    const tablePages = pages.filter((p) => /Apprenants|Formateurs/.test(p));
    assert.ok(tablePages.length >= 2, 'the table runs over more than one page');
    for (const p of tablePages) assert.match(p, /(Apprenants|Formateurs)[^\n]*Statut\s+Signature\s+Signé à\s+Mode/);
    const status = [1, 2, 3].map((p) => pdfColumnText(res.rawPayload, p, 164, 150)).join(' ');
    for (let i = 1; i <= 24; i++) assert.ok(status.includes(`Motif : Absence n° ${i} signalée par téléphone au secrétariat, justificatif promis pour la semaine suivante`), `reason ${i} missing`);
    const names = pages.join('\n');
    for (const learner of f.learners) assert.ok(names.includes(printed(learner)), `lacks ${printed(learner)}`);
  });
});
