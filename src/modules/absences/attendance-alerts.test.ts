import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makePerson } from '../../../test/factories.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { enqueueJob, JobRunner } from '../../platform/jobs/job-queue.ts';
import type { AttendanceStatus } from '../attendance/attendance.table.ts';
import { ensureSheet } from '../attendance/ensure-sheet.ts';
import { notifyJobHandlers } from '../reminders/notify-jobs.ts';
import { makeNotifyFixture } from '../reminders/notify-test-fixtures.ts';

describe('attendance alerts', () => {
  let t: TestContext;
  let f: Awaited<ReturnType<typeof makeNotifyFixture>>;
  let runner: JobRunner;
  const days = ['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-09'];

  before(async () => {
    t = await createTestContext({ now: '2026-03-10T07:00:00Z', env: { PUBLIC_URL: 'https://emarge.example.org' } });
    f = await makeNotifyFixture(t.db, { extraLearners: 1, sessions: days.map((date) => ({ date, start: '09:00', end: '12:30' })) });
    // A second manager, English-speaking: each manager gets the alert in their language.
    await makePerson(t.db, f.organisation.id, ['manager'], { givenName: 'Mary', email: 'mary.manager@example.test' }).then((p) =>
      t.db.updateTable('people').set({ locale: 'en' }).where('id', '=', p.id).execute(),
    );
    for (const s of f.sessions) await withTenant(t.db, f.organisation.id, (trx) => ensureSheet(trx, s.id));
    runner = new JobRunner({ db: t.db, clock: t.clock, handlers: notifyJobHandlers({ db: t.db, clock: t.clock, config: t.config }) });
  });
  after(() => t.close());

  const setStatuses = async (personId: string, statuses: AttendanceStatus[]) => {
    for (const [i, status] of statuses.entries()) {
      await t.db.updateTable('attendance_records').set({ status }).where('session_id', '=', f.sessions[i]!.id).where('person_id', '=', personId).execute();
    }
  };
  const runAlerts = async () => {
    await enqueueJob(t.db, 'attendance.alerts', {}, { organisationId: f.organisation.id, runAt: t.clock.now() });
    await runner.runDue();
    return t.db.selectFrom('outbox_mails').selectAll().where('organisation_id', '=', f.organisation.id).orderBy('created_at').orderBy('to_address').execute();
  };

  test('below the threshold after enough sessions: one mail per manager, excused absences out of the sessions held', async () => {
    // Learner 1: present, absent, excused, late, absent, left early → 3 attended of 5 held = 60 % < 80 %.
    await setStatuses(f.learner.id, ['present', 'absent', 'excused', 'late', 'absent', 'left_early']);
    // Learner 2: 4 of 5 held, one excused → 80 %: not below.
    await setStatuses(f.learners[1]!.id, ['present', 'present', 'excused', 'present', 'absent', 'present']);
    const mails = await runAlerts();
    assert.deepEqual(mails.map((m) => m.to_address).sort(), ['mary.manager@example.test', f.manager.email].sort());
    const fr = mails.find((m) => m.to_address === f.manager.email)!;
    const learnerName = `${f.learner.given_name} ${f.learner.family_name}`;
    assert.equal(fr.subject, `Assiduité en baisse : ${learnerName} (60 %)`);
    assert.match(fr.text_body, /3 session\(s\) suivie\(s\) sur 5, sous le seuil de 80 %/);
    assert.match(fr.text_body, /les 1 absence\(s\) excusée\(s\) ne sont pas comptées/);
    const en = mails.find((m) => m.to_address === 'mary.manager@example.test')!;
    assert.match(en.text_body, /3 of 5 session\(s\) attended, below the 80% threshold/);
    assert.match(en.text_body, /excused absence\(s\) are not counted among the sessions held/);
    assert.match(en.text_body, new RegExp(`https://emarge\\.example\\.org/cohorts/${f.cohort.id}`));
    const alert = await t.db.selectFrom('attendance_alerts').selectAll().executeTakeFirstOrThrow();
    assert.equal(alert.person_id, f.learner.id);
    assert.equal(Number(alert.rate), 0.6);
    assert.equal(alert.sessions_held, 5);

    // Still below: no second mail.
    t.clock.advance(15 * 60_000);
    assert.equal((await runAlerts()).length, 2);
  });

  test('the alert clears when the rate recovers, and a new crossing alerts again', async () => {
    await setStatuses(f.learner.id, ['present', 'present', 'excused', 'late', 'absent', 'left_early']); // 4 / 5 = 80 %
    t.clock.advance(15 * 60_000);
    assert.equal((await runAlerts()).length, 2);
    const cleared = await t.db.selectFrom('attendance_alerts').select('cleared_at').executeTakeFirstOrThrow();
    assert.equal(cleared.cleared_at?.toISOString(), t.clock.now().toISOString());

    await setStatuses(f.learner.id, ['present', 'absent', 'excused', 'absent', 'absent', 'left_early']); // 2 / 5
    t.clock.advance(15 * 60_000);
    const mails = await runAlerts();
    assert.equal(mails.length, 4);
    assert.match(mails.at(-1)!.subject, /\(40 ?%\)/);
    assert.equal((await t.db.selectFrom('attendance_alerts').select('id').execute()).length, 2);
  });

  test('not before afterSessions sessions held, and the threshold comes from the settings', async () => {
    await t.db.updateTable('organisations').set({ settings: JSON.stringify({ attendance: { attendanceAlert: { threshold: 0.5, afterSessions: 6 } } }) as never }).where('id', '=', f.organisation.id).execute();
    // Learner 2 drops to 1 of 5 held: below 50 %, but only 5 held (< 6): no alert.
    await setStatuses(f.learners[1]!.id, ['absent', 'absent', 'excused', 'absent', 'absent', 'present']);
    t.clock.advance(15 * 60_000);
    const before = (await runAlerts()).length;
    assert.equal(before, 4);
    // Learner 1's open alert (2/5 held < 6) is cleared by the new settings rather than kept.
    const open = await t.db.selectFrom('attendance_alerts').select('id').where('cleared_at', 'is', null).execute();
    assert.deepEqual(open, []);
  });
});
