import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeAttendanceFixture, makeSession } from '../attendance/attendance-test-fixtures.ts';
import { computeAttendanceHours } from './attendance-hours.ts';
import { formatDay, formatDayTime, formatHours, formatWeek } from './document-format.ts';
import { asciiFileName, contentDisposition, fileSlug } from './file-names.ts';
import { assertSealValid, pdfText, renderFirstPage, signRecord } from './documents-test-support.ts';

const at = (iso: string) => new Date(iso);

test('hours: past half-days only; present whole, late from arrival, left early until leaving, excused apart, in progress and future planned only', () => {
  const s = (day: string, status: Parameters<typeof computeAttendanceHours>[0][number]['status'], o: { leftAt?: string; lateMinutes?: number } = {}) => ({
    startsAt: at(`${day}T08:00:00Z`),
    endsAt: at(`${day}T11:30:00Z`),
    status,
    lateMinutes: o.lateMinutes ?? null,
    leftAt: o.leftAt ? at(o.leftAt) : null,
  });
  const h = computeAttendanceHours(
    [
      s('2026-03-02', 'present'),
      s('2026-03-03', 'late', { lateMinutes: 30 }),
      s('2026-03-04', 'left_early', { leftAt: '2026-03-04T10:00:00Z' }),
      s('2026-03-05', 'absent'),
      s('2026-03-06', 'excused'),
      s('2026-03-07', 'present'), // in progress at asOf: signed, yet neither attended nor missed
      s('2026-03-09', 'pending'),
      s('2026-03-10', null),
    ],
    at('2026-03-07T09:00:00Z'),
  );
  assert.deepEqual(
    { ...h, firstDate: h.firstDate?.toISOString(), lastDate: h.lastDate?.toISOString() },
    {
      sessions: 8,
      heldSessions: 5,
      plannedHours: 28,
      heldHours: 17.5,
      upcomingHours: 10.5,
      attendedHours: 8.5, // 3.5 + 3 + 2
      excusedHours: 3.5,
      absentHours: 5.5, // absent 3.5, 30 min late, 1.5 h after leaving
      rate: 0.4857,
      rateExcludingExcused: 0.6071,
      firstDate: '2026-03-02T08:00:00.000Z',
      lastDate: '2026-03-10T11:30:00.000Z',
    },
  );
  // Left early with no time recorded, or a time outside the session, is clamped; late beyond the session counts nothing.
  const odd = computeAttendanceHours([s('2026-03-02', 'left_early'), s('2026-03-03', 'left_early', { leftAt: '2026-03-03T13:00:00Z' }), s('2026-03-04', 'late', { lateMinutes: 999 })], at('2026-04-01T00:00:00Z'));
  assert.equal(odd.attendedHours, 3.5);
  assert.equal(odd.absentHours, 7);
  const none = computeAttendanceHours([], at('2026-04-01T00:00:00Z'));
  assert.equal(none.rate, null);
  assert.equal(none.rateExcludingExcused, null);
  // Only justified absences held: nothing to attend, no rate excluding them.
  assert.equal(computeAttendanceHours([s('2026-03-02', 'excused')], at('2026-04-01T00:00:00Z')).rateExcludingExcused, null);
});

test('hours are written one way: "7 h", "2 h 33"; dates and weeks in words', () => {
  assert.equal(formatHours('fr', 7), '7\u00a0h');
  assert.equal(formatHours('fr', 2.55), '2\u00a0h\u00a033');
  assert.equal(formatHours('fr', 0.05), '0\u00a0h\u00a003');
  assert.equal(formatHours('fr', 1234.5), `1${'\u202f'}234\u00a0h\u00a030`);
  assert.equal(formatHours('en', 2.55), '2\u00a0h\u00a033\u00a0min');
  assert.equal(formatDay('fr', '2026-12-08'), '8 décembre 2026');
  assert.equal(formatDay('fr', '2026-03-01'), '1er mars 2026');
  assert.equal(formatDay('en', '2026-03-01'), '1 March 2026');
  assert.equal(formatWeek('fr', '2026-12-07'), 'semaine du 7 décembre 2026');
  assert.equal(formatWeek('en', '2026-12-07'), 'week of 7 December 2026');
  assert.equal(formatDayTime('fr', at('2026-12-08T13:03:00Z'), 'Europe/Paris'), '8 décembre 2026 à 14:03 (Europe/Paris)');
  assert.equal(formatDayTime('en', at('2026-07-08T13:03:00Z'), 'Europe/Paris'), '8 July 2026 at 15:03 (Europe/Paris)');
});

test('file names keep their accents, with an ASCII fallback', () => {
  assert.equal(fileSlug('MARTIN Léa'), 'martin-léa');
  assert.equal(fileSlug('王 小明'), '王-小明');
  assert.equal(fileSlug('  — '), 'document');
  assert.equal(asciiFileName('certificat-martin-léa-ABC.pdf'), 'certificat-martin-lea-ABC.pdf');
  assert.equal(asciiFileName('certificat-cœur-王-ABC.pdf'), 'certificat-coeur-ABC.pdf');
  assert.equal(contentDisposition('feuille-2026-03-02-am.pdf'), 'attachment; filename="feuille-2026-03-02-am.pdf"');
  assert.equal(contentDisposition('certificat-martin-léa.pdf'), `attachment; filename="certificat-martin-lea.pdf"; filename*=UTF-8''certificat-martin-l%C3%A9a.pdf`);
});

describe('certificate of attendance PDF', () => {
  let t: TestContext;
  let f: Awaited<ReturnType<typeof makeAttendanceFixture>>;

  before(async () => {
    t = await createTestContext();
    f = await makeAttendanceFixture(t.db, { learners: 2 });
    const org = f.organisation.id;
    // A long name with accents and Chinese letters; a long programme, funder and reference (they used to be cut).
    await t.db.updateTable('people').set({ given_name: 'Léa-Marie Anne-Sophie 王小明', family_name: 'Martin-de-La-Tour-d’Auvergne de Saint-Exupéry' }).where('id', '=', f.learner.id).execute();
    await t.db
      .updateTable('programs')
      .set({ title: 'Préparation à l’habilitation électrique BR, B2V et BC pour les techniciens de maintenance — recyclage', code: 'DWW-2026-ÉLEC-0042-BR-B2V', funder: 'ATLAS-OPCO des services financiers et du conseil, délégation Auvergne-Rhône-Alpes', funding_reference: 'ATLAS-2026-CPF-000123456789-AVENANT-2' })
      .where('id', '=', f.program.id)
      .execute();
    const learner = f.learner.id;
    const mon = f.session;
    const monPm = await makeSession(t.db, org, f.cohort.id, [f.trainer.id], '2026-03-02', '13:30', '17:00');
    const tue = await makeSession(t.db, org, f.cohort.id, [f.trainer.id], '2026-03-03', '09:00', '12:30');
    const tuePm = await makeSession(t.db, org, f.cohort.id, [f.trainer.id], '2026-03-03', '13:30', '17:00');
    const wed = await makeSession(t.db, org, f.cohort.id, [f.trainer.id], '2026-03-04', '09:00', '12:30');
    await makeSession(t.db, org, f.cohort.id, [f.trainer.id], '2026-03-04', '13:30', '17:00'); // never signed
    const next = await makeSession(t.db, org, f.cohort.id, [f.trainer.id], '2026-03-09', '09:00', '12:30'); // in progress at issue: planned, not held
    await makeSession(t.db, org, f.cohort.id, [f.trainer.id], '2026-03-10', '09:00', '12:30'); // to come
    const cancelled = await makeSession(t.db, org, f.cohort.id, [f.trainer.id], '2026-03-05', '09:00', '12:30');
    await t.db.updateTable('sessions').set({ status: 'cancelled' }).where('id', '=', cancelled.id).execute();
    await signRecord(t.db, org, mon.id, learner, { status: 'present', at: at('2026-03-02T08:00:00Z') });
    await signRecord(t.db, org, monPm.id, learner, { status: 'late', lateMinutes: 20, at: at('2026-03-02T12:50:00Z') });
    await signRecord(t.db, org, tue.id, learner, { status: 'left_early', at: at('2026-03-03T08:00:00Z'), leftAt: at('2026-03-03T10:00:00Z') }); // 09:00–11:00 Paris: 2 h
    await signRecord(t.db, org, tuePm.id, learner, { status: 'absent' });
    await signRecord(t.db, org, wed.id, learner, { status: 'excused', reason: undefined } as never);
    await signRecord(t.db, org, next.id, learner, { status: 'present', at: at('2026-03-09T08:01:00Z') }); // signed, but the session is not over
    t.clock.set('2026-03-09T09:00:00Z');
  });
  after(() => t.close());

  test('the learner gets their sealed certificate with hours computed from the sheets', async () => {
    const res = await t.request({ method: 'GET', url: `/api/v1/people/${f.learner.id}/certificates/${f.program.id}.pdf`, as: f.as.learner });
    assert.equal(res.statusCode, 200, res.body);
    assertSealValid(res.rawPayload, 'certificate');
    renderFirstPage(res.rawPayload);
    const text = pdfText(res.rawPayload).replace(/[\u00a0\u202f]/g, ' ');
    const flat = text.replace(/\s+/g, ' ');
    const code = String(res.headers['x-verification-code']);
    // 8 planned sessions of 3.5 h (the cancelled one excluded); 6 over at issue (21 h); Monday 9 in progress and Tuesday 10 to come (7 h, not counted).
    // Completed: 3.5 + (3.5 − 20 min late) + 2 (09:00–11:00) = 8 h 40; excused 3.5 h; unexcused 21 − 8 h 40 − 3.5 = 8 h 50.
    for (const needle of [
      'Certificat de réalisation',
      'dispensateur de l’action concourant au développement des compétences, atteste que',
      'Léa-Marie Anne-Sophie 王小明 Martin-de-La-Tour-d’Auvergne de Saint-Exupéry',
      'Préparation à l’habilitation électrique BR, B2V et BC pour les techniciens de maintenance — recyclage (DWW-2026-ÉLEC-0042-BR-B2V)',
      'ATLAS-OPCO des services financiers et du conseil, délégation Auvergne-Rhône-Alpes',
      'ATLAS-2026-CPF-000123456789-AVENANT-2',
      'Cohorte Mars',
      '☒ action de formation',
      'article L6313-1 du Code du travail',
      'qui se déroule du 2 mars 2026 au 10 mars 2026 (en cours)',
      'pour une durée réalisée de 8 h 40¹ au 9 mars 2026',
      'Émis le 9 mars 2026 à 10:00 (Europe/Paris)',
      'Calcul arrêté le 9 mars 2026 à 10:00 (Europe/Paris). Seules les demi-journées terminées',
      code,
      'scellé électroniquement (PAdES) par',
    ]) {
      assert.ok(flat.includes(needle), `lacks "${needle}":\n${text}`);
    }
    const row = (label: string) => new RegExp(`${label}[^\\n]*?\\s{2,}([^\\n]+?)\\s*\\n`).exec(text)?.[1]?.replace(/\s+/g, ''); // pdftotext -layout may drop the space of a short cell
    assert.match(text, /Séances \(terminées \/ prévues\)\s+6 ?\/ ?8\n/);
    assert.equal(row('Heures prévues \\(toutes les séances\\)'), '28h');
    assert.equal(row('Heures dispensées \\(demi-journées terminées\\)¹'), '21h');
    assert.equal(row('Heures en cours ou à venir \\(non comptées\\)¹'), '7h');
    assert.equal(row('Heures réalisées par l’apprenant¹'), '8h40');
    assert.equal(row('Absences justifiées¹'), '3h30');
    assert.equal(row('Absences non justifiées¹'), '8h50');
    assert.equal(row('Taux de présence \\(heures réalisées / heures dispensées\\)¹'), '41,3%');
    assert.equal(row('Taux d’assiduité hors absences justifiées'), '49,5%');
    assert.doesNotMatch(text, /\d{4}-\d{2}-\d{2}/, 'an ISO date on a French certificate');
    assert.doesNotMatch(text, /\d,\d+ h|…/, 'decimal hours or a cut field');
    const v = (await t.request({ method: 'GET', url: `/api/v1/verify/${code}` })).json();
    assert.equal(v.kind, 'certificate');
    assert.equal(v.attests.attendedHours, 8.67);
    assert.equal(v.attests.plannedHours, 28);
    assert.equal(v.attests.heldHours, 21);
    assert.equal(v.attests.upcomingHours, 7);
    assert.equal(v.attests.excusedHours, 3.5);
    assert.equal(v.attests.absentHours, 8.83);
    assert.equal(v.attests.rate, 0.4127);
    // The file name keeps the accents (and the Chinese letters), with an ASCII fallback.
    const disposition = String(res.headers['content-disposition']);
    assert.match(disposition, /^attachment; filename="certificat-martin-de-la-tour-d-auvergne-de-saint-exupery-lea-marie-anne-sophie-[A-Z0-9]+\.pdf"; filename\*=UTF-8''/);
    assert.ok(decodeURIComponent(disposition.split("UTF-8''")[1]!).startsWith('certificat-martin-de-la-tour-d-auvergne-de-saint-exupéry-léa-marie-anne-sophie-王小明-'), disposition);
  });

  test('English organisations get the certificate in English words', async () => {
    await t.db.updateTable('organisations').set({ locale: 'en' }).where('id', '=', f.organisation.id).execute();
    const res = await t.request({ method: 'GET', url: `/api/v1/people/${f.learner.id}/certificates/${f.program.id}.pdf`, as: f.as.manager });
    await t.db.updateTable('organisations').set({ locale: 'fr' }).where('id', '=', f.organisation.id).execute();
    assert.equal(res.statusCode, 200, res.body);
    assertSealValid(res.rawPayload, 'English certificate');
    const flat = pdfText(res.rawPayload).replace(/\s+/g, ' ');
    for (const needle of ['Certificate of completion', '☒ training action', 'which takes place from 2 March 2026 to 10 March 2026 (under way)', 'for a completed duration of 8 h 40 min¹ as of 9 March 2026', 'Issued on 9 March 2026 at 10:00 (Europe/Paris)', '王小明']) {
      assert.ok(flat.includes(needle), `lacks "${needle}":\n${flat}`);
    }
  });

  test('staff may; other learners and trainers are refused; no enrolment is 404', async () => {
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/people/${f.learner.id}/certificates/${f.program.id}.pdf`, as: f.as.manager })).statusCode, 200);
    const other = f.learners[1]!;
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/people/${other.id}/certificates/${f.program.id}.pdf`, as: f.as.learner })).statusCode, 403);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/people/${f.learner.id}/certificates/${f.program.id}.pdf`, as: f.as.trainer })).statusCode, 403);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/people/${f.trainer.id}/certificates/${f.program.id}.pdf`, as: f.as.admin })).statusCode, 404);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/people/${f.learner.id}/certificates/not-a-uuid.pdf`, as: f.as.admin })).statusCode, 400);
  });
});
