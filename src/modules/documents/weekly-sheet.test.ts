import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeAttendanceFixture, makeSession } from '../attendance/attendance-test-fixtures.ts';
import { addDaysToDate } from '../catalogue/session-time.ts';
import { assertSealValid, pageCount, pdfColumnText, pdfText, renderFirstPage, signRecord } from './documents-test-support.ts';
import { isoWeekOf, mondayOfIsoWeek } from './iso-week.ts';

type Fixture = Awaited<ReturnType<typeof makeAttendanceFixture>>;

test('ISO weeks: Mondays and labels, including week 53 and the year boundary', () => {
  assert.equal(mondayOfIsoWeek('2026-W10'), '2026-03-02');
  assert.equal(mondayOfIsoWeek('2026-W01'), '2025-12-29');
  assert.equal(mondayOfIsoWeek('2026-W53'), '2026-12-28');
  assert.equal(mondayOfIsoWeek('2025-W53'), null);
  assert.equal(isoWeekOf('2027-01-01'), '2026-W53');
  assert.equal(isoWeekOf('2026-03-06'), '2026-W10');
});

describe('weekly sheet of a 30-learner cohort', () => {
  let t: TestContext;
  let f: Fixture;

  before(async () => {
    t = await createTestContext();
    f = await makeAttendanceFixture(t.db, { learners: 30 });
    await t.db.updateTable('programs').set({ funder: 'France Travail', funding_reference: 'AIF-77-2026' }).where('id', '=', f.program.id).execute();
    const org = f.organisation.id;
    const sessions = [f.session];
    for (let d = 0; d < 5; d++) {
      const date = addDaysToDate('2026-03-02', d);
      if (d > 0) sessions.push(await makeSession(t.db, org, f.cohort.id, [f.trainer.id], date, '09:00', '12:30'));
      sessions.push(await makeSession(t.db, org, f.cohort.id, [f.trainer.id], date, '13:30', '17:00'));
    }
    let seed = 0;
    for (const s of sessions) {
      const start = new Date(s.starts_at);
      await signRecord(t.db, org, s.id, f.trainer.id, { status: 'present', role: 'trainer', at: new Date(start.getTime() - 5 * 60_000), method: 'sign_in', seed: seed++ });
      for (const [i, learner] of f.learners.entries()) {
        if (i === 3) await signRecord(t.db, org, s.id, learner.id, { status: 'absent' });
        else if (i === 4) await signRecord(t.db, org, s.id, learner.id, { status: 'late', lateMinutes: 9, at: new Date(start.getTime() + 9 * 60_000), method: 'link', seed: seed++ });
        else await signRecord(t.db, org, s.id, learner.id, { status: 'present', at: new Date(start.getTime() + i * 1000), method: i % 2 ? 'qr' : 'kiosk', seed: seed++ });
      }
    }
    t.clock.set('2026-03-06T18:00:00Z'); // the week is over
  });
  after(() => t.close());

  test('renders, is sealed, and shows the grid, names, times with zone, funder reference and code', async () => {
    await t.request({ method: 'GET', url: '/api/v1/organisation/seal', as: f.as.admin }); // the seal key is generated once, before timing
    const started = performance.now();
    const res = await t.request({ method: 'GET', url: `/api/v1/cohorts/${f.cohort.id}/weekly-sheet.pdf?week=2026-W10`, as: f.as.trainer });
    const ms = performance.now() - started;
    assert.equal(res.statusCode, 200, res.body);
    console.log(`weekly sheet, 30 learners × 10 half-days: ${Math.round(ms)} ms, ${res.rawPayload.length} bytes, ${pageCount(res.rawPayload)} pages`);
    assertSealValid(res.rawPayload, 'weekly sheet');
    renderFirstPage(res.rawPayload);
    const text = pdfText(res.rawPayload);
    const code = String(res.headers['x-verification-code']);
    for (const learner of f.learners) {
      const name = `${learner.family_name.toLocaleUpperCase('fr-FR')} ${learner.given_name}`;
      assert.ok(text.includes(name), `lacks ${name}`);
    }
    for (const needle of ['Feuille d\'émargement hebdomadaire', 'semaine du 2 mars 2026', 'lundi 2 mars 2026', 'vendredi 6 mars 2026', 'Programme Sécurité', 'AIF-77-2026', 'Europe/Paris (UTC+01:00)', '09:00–12:30', '13:30–17:00', 'ven. 06/03', code, 'Annexe — journal de preuves']) {
      assert.ok(text.includes(needle), `lacks "${needle}":\n${text.slice(0, 3000)}`);
    }
    const v = (await t.request({ method: 'GET', url: `/api/v1/verify/${code}` })).json();
    assert.equal(v.kind, 'weekly_sheet');
    assert.equal(v.attests.week, '2026-W10');
    assert.equal(v.attests.learners, 30);
    assert.equal(v.attests.sessions.length, 10);
    assert.equal(v.attests.sessions[0].signed, 29);
  });

  test('from=Monday gives the same week; bad weeks and non-Mondays are refused; learners are refused', async () => {
    const res = await t.request({ method: 'GET', url: `/api/v1/cohorts/${f.cohort.id}/weekly-sheet.pdf?from=2026-03-02`, as: f.as.manager });
    assert.equal(res.statusCode, 200);
    const notMonday = await t.request({ method: 'GET', url: `/api/v1/cohorts/${f.cohort.id}/weekly-sheet.pdf?from=2026-03-03`, as: f.as.manager });
    assert.equal(notMonday.statusCode, 400);
    assert.match(notMonday.json().errors[0].path, /from/);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/cohorts/${f.cohort.id}/weekly-sheet.pdf?week=2025-W53`, as: f.as.manager })).statusCode, 400);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/cohorts/${f.cohort.id}/weekly-sheet.pdf?week=2026-10`, as: f.as.manager })).statusCode, 400);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/cohorts/${f.cohort.id}/weekly-sheet.pdf?week=2026-W10&from=2026-03-02`, as: f.as.manager })).statusCode, 400);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/cohorts/${f.cohort.id}/weekly-sheet.pdf?week=2026-W10`, as: f.as.learner })).statusCode, 403);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/cohorts/${f.cohort.id}/weekly-sheet.pdf?week=2026-W10`, as: f.otherTrainerHeaders })).statusCode, 404);
  });
});

describe('weekly sheet of a week under way: long names, a justified absence, reasons, an amendment, half-days to come', () => {
  let t: TestContext;
  let f: Fixture;
  const sessions: Array<Awaited<ReturnType<typeof makeSession>>> = [];

  before(async () => {
    t = await createTestContext();
    f = await makeAttendanceFixture(t.db, { learners: 3 });
    const org = f.organisation.id;
    await t.db.updateTable('people').set({ given_name: 'Marie-Ange Éléonore 王小明', family_name: 'de La Rochefoucauld-Montbazon-Liancourt' }).where('id', '=', f.learner.id).execute();
    await t.db.updateTable('programs').set({ title: 'Préparation à l’habilitation électrique BR, B2V et BC pour les techniciens de maintenance — recyclage', funder: 'ATLAS-OPCO des services financiers et du conseil', funding_reference: 'ATLAS-2026-CPF-000123456789-AVENANT-2' }).where('id', '=', f.program.id).execute();
    sessions.push(f.session);
    sessions.push(await makeSession(t.db, org, f.cohort.id, [f.trainer.id], '2026-03-02', '13:30', '17:00'));
    sessions.push(await makeSession(t.db, org, f.cohort.id, [f.trainer.id], '2026-03-03', '09:00', '12:30'));
    sessions.push(await makeSession(t.db, org, f.cohort.id, [f.trainer.id], '2026-03-03', '13:30', '17:00')); // in progress at issue
    sessions.push(await makeSession(t.db, org, f.cohort.id, [f.trainer.id], '2026-03-04', '09:00', '12:30')); // to come
    const [a, b, c] = f.learners;
    for (const [k, s] of sessions.slice(0, 3).entries()) {
      const start = new Date(s.starts_at).getTime();
      await signRecord(t.db, org, s.id, a!.id, { status: 'present', at: new Date(start + 60_000), seed: k });
      await signRecord(t.db, org, s.id, b!.id, k === 1 ? { status: 'late', lateMinutes: 0, at: new Date(start + 30_000), seed: 10 + k } : { status: 'present', at: new Date(start + 30_000), seed: 10 + k });
    }
    await signRecord(t.db, org, sessions[0]!.id, c!.id, { status: 'absent' });
    await signRecord(t.db, org, sessions[1]!.id, c!.id, { status: 'absent' });
    await signRecord(t.db, org, sessions[2]!.id, c!.id, { status: 'excused' });
    await t.db.updateTable('attendance_records').set({ reason: 'Convocation au tribunal, justificatif transmis au secrétariat', marked_by: f.trainer.id }).where('session_id', '=', sessions[2]!.id).where('person_id', '=', c!.id).execute();
    await t.db.updateTable('attendance_records').set({ reason: 'Absent à l’appel', marked_by: f.trainer.id }).where('session_id', '=', sessions[1]!.id).where('person_id', '=', c!.id).execute();
    await t.db.updateTable('attendance_sheets').set({ status: 'locked', locked_at: new Date('2026-03-02T11:40:00Z'), locked_by: f.trainer.id }).where('session_id', '=', sessions[0]!.id).execute();
    t.clock.set('2026-03-03T14:00:00Z'); // Tuesday 15:00 in Paris: Tuesday afternoon in progress, Wednesday to come
    const amended = await t.request({ method: 'POST', url: `/api/v1/sessions/${sessions[0]!.id}/amendments`, as: f.as.manager, payload: { personId: c!.id, status: 'excused', reason: 'Certificat médical reçu' } });
    assert.equal(amended.statusCode, 201, amended.body);
  });
  after(() => t.close());

  test('reads correctly: names and fields wrap, reasons and the amendment are there, the week in words, half-days to come blank', async () => {
    const res = await t.request({ method: 'GET', url: `/api/v1/cohorts/${f.cohort.id}/weekly-sheet.pdf?week=2026-W10`, as: f.as.manager });
    assert.equal(res.statusCode, 200, res.body);
    assertSealValid(res.rawPayload, 'weekly sheet under way');
    renderFirstPage(res.rawPayload);
    const page1 = pdfText(res.rawPayload, { first: 1, last: 1 });
    const flat = page1.replace(/\s+/g, ' ');
    for (const needle of [
      'semaine du 2 mars 2026 (lundi 2 mars 2026 – vendredi 6 mars 2026)',
      'Préparation à l’habilitation électrique BR, B2V et BC pour les techniciens de maintenance — recyclage',
      'ATLAS-2026-CPF-000123456789-AVENANT-2',
      'Modifications après verrouillage',
      `lundi 2 mars 2026 Matin — Version 2 — 3 mars 2026 à 15:00 (Europe/Paris) — par ${f.manager.given_name} ${f.manager.family_name}`,
      'Absent → Absence justifiée',
      'Motif : Certificat médical reçu',
    ]) {
      assert.ok(flat.includes(needle), `page 1 lacks "${needle}":\n${page1}`);
    }
    // The name column and each day's column read on their own.
    const colW = (841.89 - 72 - 130) / 10;
    const col = (i: number) => pdfColumnText(res.rawPayload, 1, 36 + 130 + i * colW, colW);
    assert.match(pdfColumnText(res.rawPayload, 1, 36, 130), /DE LA ROCHEFOUCAULD-? ?MONTBAZON-? ?LIANCOURT Marie-Ange Éléonore 王小明/);
    assert.match(col(3 - 1), /Absence justifiée Motif : Convocation au tribunal, justificatif transmis au secrétariat/);
    assert.match(col(1), /Absent Motif : Absent à l’appel/);
    assert.match(col(1), /En retard \d\d:\d\d/);
    // Tuesday afternoon (in progress) and Wednesday (to come): blank, never "not signed".
    for (const i of [3, 4, 5]) assert.doesNotMatch(col(i), /Non signé/, `column ${i}: ${col(i)}`);
    assert.doesNotMatch(page1, /0 min|0′|…|2026-W|\d{4}-\d{2}-\d{2}/);
    const v = (await t.request({ method: 'GET', url: `/api/v1/verify/${res.headers['x-verification-code']}` })).json();
    assert.equal(v.attests.week, '2026-W10');
  });

  test('in English: the week, the dates and the amendment in English words', async () => {
    await t.db.updateTable('organisations').set({ locale: 'en' }).where('id', '=', f.organisation.id).execute();
    const res = await t.request({ method: 'GET', url: `/api/v1/cohorts/${f.cohort.id}/weekly-sheet.pdf?week=2026-W10`, as: f.as.manager });
    await t.db.updateTable('organisations').set({ locale: 'fr' }).where('id', '=', f.organisation.id).execute();
    assert.equal(res.statusCode, 200, res.body);
    const flat = pdfText(res.rawPayload, { first: 1, last: 1 }).replace(/\s+/g, ' ');
    for (const needle of ['Weekly attendance sheet — week of 2 March 2026 (Monday, 2 March 2026 – Friday, 6 March 2026)', 'Changes after locking', 'Version 2 — 3 March 2026 at 15:00 (Europe/Paris) — by', 'Absent → Excused', 'Reason: Certificat médical reçu']) {
      assert.ok(flat.includes(needle), `lacks "${needle}":\n${flat}`);
    }
    assert.doesNotMatch(flat, /semaine|Non signé|2026-W/);
  });
});
