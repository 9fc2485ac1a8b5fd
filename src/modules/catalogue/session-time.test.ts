import assert from 'node:assert/strict';
import { test } from 'node:test';
import { easterSunday, frenchHolidayName, frenchPublicHolidays } from './french-holidays.ts';
import { TZDate } from '@date-fns/tz';
import { addDaysToDate, isoWeekday, localParts, sessionBounds } from './session-time.ts';

test('Easter and the moving French holidays match published dates', () => {
  assert.equal(easterSunday(2024).toISOString().slice(0, 10), '2024-03-31');
  assert.equal(easterSunday(2026).toISOString().slice(0, 10), '2026-04-05');
  assert.equal(easterSunday(2027).toISOString().slice(0, 10), '2027-03-28');
  const h2026 = frenchPublicHolidays(2026);
  assert.equal(h2026.size, 11);
  assert.equal(h2026.get('2026-04-06'), 'Lundi de Pâques');
  assert.equal(h2026.get('2026-05-14'), 'Ascension');
  assert.equal(h2026.get('2026-05-25'), 'Lundi de Pentecôte');
  assert.equal(frenchHolidayName('2026-07-14'), 'Fête nationale');
  assert.equal(frenchHolidayName('2026-07-15'), null);
  assert.equal(frenchPublicHolidays(2026, { alsaceMoselle: true }).get('2026-04-03'), 'Vendredi saint');
});

test('session bounds are computed in the organisation time zone, across DST', () => {
  const winter = sessionBounds('2026-01-12', '09:00', '12:30', 'Europe/Paris');
  assert.equal(winter.startsAt.toISOString(), '2026-01-12T08:00:00.000Z');
  assert.equal(winter.endsAt.toISOString(), '2026-01-12T11:30:00.000Z');
  assert.equal(winter.halfDay, 'am');
  const summer = sessionBounds('2026-07-06', '13:30', '17:00', 'Europe/Paris');
  assert.equal(summer.startsAt.toISOString(), '2026-07-06T11:30:00.000Z');
  assert.equal(summer.halfDay, 'pm');
  assert.equal(sessionBounds('2026-01-12', '09:00', '12:00', 'America/Cayenne').startsAt.toISOString(), '2026-01-12T12:00:00.000Z');
  assert.deepEqual(localParts(summer.startsAt, 'Europe/Paris'), { date: '2026-07-06', time: '13:30' });
  assert.throws(() => sessionBounds('2026-03-29', '02:30', '04:00', 'Europe/Paris'), /does not exist/);
  assert.throws(() => sessionBounds('2026-02-30', '09:00', '12:00', 'Europe/Paris'), /not a calendar date/);
  assert.throws(() => sessionBounds('2026-02-10', '14:00', '12:00', 'Europe/Paris'), /after the start/);
  assert.equal(isoWeekday('2026-03-02'), 1);
  assert.equal(isoWeekday('2026-03-08'), 7);
  assert.equal(addDaysToDate('2026-02-27', 2), '2026-03-01');
});

test('localParts matches a direct time-zone conversion minute by minute across DST changes and odd offsets', () => {
  const reference = (d: Date, tz: string) => {
    const t = new TZDate(d.getTime(), tz);
    const p = (n: number) => String(n).padStart(2, '0');
    return { date: `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}`, time: `${p(t.getHours())}:${p(t.getMinutes())}` };
  };
  const windows: Array<[string, string]> = [
    ['Europe/Paris', '2026-03-29T00:00:00Z'], // spring forward at 01:00 UTC
    ['Europe/Paris', '2026-10-25T00:00:00Z'], // fall back at 01:00 UTC
    ['America/Cayenne', '2026-06-01T00:00:00Z'],
    ['Asia/Kolkata', '2026-01-01T00:00:00Z'], // +05:30
    ['Australia/Lord_Howe', '2026-04-04T14:00:00Z'], // 30-minute DST shift
    ['Asia/Kathmandu', '2026-02-01T00:00:00Z'], // +05:45
  ];
  for (const [tz, start] of windows) {
    for (let m = 0; m < 6 * 60; m++) {
      const d = new Date(new Date(start).getTime() + m * 60_000);
      assert.deepEqual(localParts(d, tz), reference(d, tz), `${tz} ${d.toISOString()}`);
    }
  }
});
