import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { DEFAULT_ATTENDANCE_SETTINGS } from '../attendance/attendance-settings.ts';
import { makeNotifyFixture } from './notify-test-fixtures.ts';
import { sendSessionReminders } from './send-session-reminders.ts';

describe('organisation attendance settings', () => {
  let t: TestContext;
  let f: Awaited<ReturnType<typeof makeNotifyFixture>>;
  let other: Awaited<ReturnType<typeof makeNotifyFixture>>;
  const url = '/api/v1/organisation/attendance-settings';

  before(async () => {
    t = await createTestContext();
    f = await makeNotifyFixture(t.db);
    other = await makeNotifyFixture(t.db);
  });
  after(() => t.close());

  const patch = (payload: unknown, as = f.as.admin) => t.request({ method: 'PATCH', url, as, payload: payload as never });

  test('admins read the defaults, then change some values: groups merge field by field; audited', async () => {
    const res = await t.request({ method: 'GET', url, as: f.as.admin });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { effective: JSON.parse(JSON.stringify(DEFAULT_ATTENDANCE_SETTINGS)), organisation: {} });

    const changed = await patch({ reminders: { beforeStartMinutes: 30 }, attendanceAlert: { threshold: 0.9 }, absenceRequest: { localTime: '18:30' }, lateAfterMinutes: 10 });
    assert.equal(changed.statusCode, 200, changed.body);
    const e = changed.json().effective;
    assert.deepEqual(e.reminders, { enabled: true, beforeStartMinutes: 30, nonSignersAfterStartMinutes: 30, trainerAfterEndMinutes: 30 });
    assert.deepEqual(e.attendanceAlert, { threshold: 0.9, afterSessions: 4 });
    assert.equal(e.absenceRequest.localTime, '18:30');
    assert.equal(e.lateAfterMinutes, 10);
    assert.deepEqual(changed.json().organisation.reminders, { beforeStartMinutes: 30 });

    const again = await patch({ reminders: { enabled: false } });
    assert.deepEqual(again.json().organisation.reminders, { beforeStartMinutes: 30, enabled: false });
    const stored = await t.db.selectFrom('organisations').select('settings').where('id', '=', f.organisation.id).executeTakeFirstOrThrow();
    assert.deepEqual((stored.settings as unknown as { attendance: { reminders: unknown } }).attendance.reminders, { beforeStartMinutes: 30, enabled: false });
    const audit = await t.db.selectFrom('audit_events').select('payload').where('organisation_id', '=', f.organisation.id).where('type', '=', 'organisation.attendance_settings_updated').execute();
    assert.equal(audit.length, 2);
    // Another organisation is untouched.
    assert.deepEqual((await t.request({ method: 'GET', url, as: other.as.admin })).json().organisation, {});
  });

  test('the settings drive the jobs: reminders disabled means no reminder mail', async () => {
    t.clock.set('2026-03-02T07:50:00Z');
    const report = await sendSessionReminders({ db: t.db, clock: t.clock, config: t.config }, f.organisation.id);
    assert.deepEqual(report, { beforeStart: 0, nonSigners: 0, trainers: 0 });
    const reset = await patch({ reminders: { enabled: true, beforeStartMinutes: 15 } });
    assert.equal(reset.statusCode, 200, reset.body);
    assert.deepEqual(reset.json().effective.reminders, DEFAULT_ATTENDANCE_SETTINGS.reminders);
    assert.equal((await sendSessionReminders({ db: t.db, clock: t.clock, config: t.config }, f.organisation.id)).beforeStart, f.learners.length);
  });

  test('bad values are refused with the field named; nothing changes', async () => {
    const before = (await t.request({ method: 'GET', url, as: f.as.admin })).json();
    const bad = async (payload: unknown, path: string) => {
      const res = await patch(payload);
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().code, 'validation_failed');
      assert.ok(res.json().errors.some((e: { path: string }) => e.path.startsWith(path)), `${path}: ${res.body}`);
    };
    await bad({ attendanceAlert: { threshold: 2 } }, 'body.attendanceAlert');
    await bad({ absenceRequest: { localTime: '25:00' } }, 'body.absenceRequest');
    await bad({ reminders: { beforeStartMinutes: -5 } }, 'body.reminders');
    await bad({ qrRotationSeconds: 1 }, 'body.qrRotationSeconds');
    await bad({ colour: 'blue' }, 'body');
    await bad({ reminders: { when: 'soon' } }, 'body.reminders');
    await bad({ geolocation: { enabled: true } }, 'body.geolocation.purpose');
    await bad({ methods: { qr: false, link: false, kiosk: false, trainerMark: false } }, 'body.methods');
    assert.deepEqual((await t.request({ method: 'GET', url, as: f.as.admin })).json(), before);
    const geo = await patch({ geolocation: { enabled: true, purpose: 'Prove presence on the training site for the funder' } });
    assert.equal(geo.statusCode, 200, geo.body);
    assert.equal(geo.json().effective.geolocation.enabled, true);
  });

  test('admins only', async () => {
    for (const as of [f.as.manager, f.as.trainer, f.as.learner]) {
      assert.equal((await t.request({ method: 'GET', url, as })).statusCode, 403);
      assert.equal((await patch({ lateAfterMinutes: 1 }, as)).statusCode, 403);
    }
    assert.equal((await patch({ lateAfterMinutes: 1 }, f.as.readKey)).json().code, 'scope_insufficient');
    assert.equal((await t.request({ method: 'GET', url })).statusCode, 401);
  });
});
