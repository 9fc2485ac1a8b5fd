import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeAttendanceFixture, makeSession } from '../attendance/attendance-test-fixtures.ts';
import { addDaysToDate } from '../catalogue/session-time.ts';
import { assertSealValid, pageCount, pdfText, renderFirstPage, signRecord } from './documents-test-support.ts';
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
    for (const needle of ['Feuille d\'émargement hebdomadaire', 'Semaine 2026-W10', 'lundi 2 mars 2026', 'vendredi 6 mars 2026', 'Programme Sécurité', 'AIF-77-2026', 'Europe/Paris (UTC+01:00)', '09:00–12:30', '13:30–17:00', 'ven. 06/03', code, 'Annexe — journal de preuves']) {
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
