import { TZDate } from '@date-fns/tz';
import type { HalfDay } from './catalogue.table.ts';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * Converts a local calendar date and wall-clock times in the organisation's
 * time zone into instants. A session starting before 13:00 local is the
 * morning half-day, otherwise the afternoon. Throws RangeError on bad input,
 * on a time that does not exist locally (DST gap), or when end <= start.
 */
export function sessionBounds(date: string, startTime: string, endTime: string, timezone: string): { startsAt: Date; endsAt: Date; halfDay: HalfDay } {
  const d = DATE.exec(date);
  const s = TIME.exec(startTime);
  const e = TIME.exec(endTime);
  if (!d || !s || !e) throw new RangeError('date must be YYYY-MM-DD and times HH:MM');
  const [y, mo, da] = [Number(d[1]), Number(d[2]), Number(d[3])];
  const check = new Date(Date.UTC(y, mo - 1, da));
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== da) throw new RangeError(`${date} is not a calendar date`);
  const startsAt = localInstant(y, mo, da, Number(s[1]), Number(s[2]), timezone);
  const endsAt = localInstant(y, mo, da, Number(e[1]), Number(e[2]), timezone);
  if (endsAt <= startsAt) throw new RangeError('the end time must be after the start time');
  return { startsAt, endsAt, halfDay: Number(s[1]) < 13 ? 'am' : 'pm' };
}

function localInstant(y: number, mo: number, d: number, h: number, mi: number, timezone: string): Date {
  const t = new TZDate(y, mo - 1, d, h, mi, 0, timezone);
  if (t.getHours() !== h || t.getMinutes() !== mi) throw new RangeError(`${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')} does not exist on that day in ${timezone}`);
  return new Date(t.getTime());
}

const QUARTER_HOUR_MS = 15 * 60_000;
const offsetCache = new Map<string, number>();

/**
 * The zone's UTC offset in minutes at an instant. Offsets of present-day zones
 * change only on quarter-hour boundaries, so the offset is cached per zone and
 * UTC quarter-hour: presenting a calendar page converts hundreds of instants.
 */
function utcOffsetMinutes(instant: Date, timezone: string): number {
  const quarter = Math.floor(instant.getTime() / QUARTER_HOUR_MS);
  const key = `${timezone}|${quarter}`;
  let offset = offsetCache.get(key);
  if (offset === undefined) {
    offset = -new TZDate(quarter * QUARTER_HOUR_MS, timezone).getTimezoneOffset();
    if (offsetCache.size > 100_000) offsetCache.clear();
    offsetCache.set(key, offset);
  }
  return offset;
}

/** Local 'YYYY-MM-DD' and 'HH:MM' of an instant in a time zone. */
export function localParts(instant: Date, timezone: string): { date: string; time: string } {
  const t = new Date(instant.getTime() + utcOffsetMinutes(instant, timezone) * 60_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return { date: `${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())}`, time: `${p(t.getUTCHours())}:${p(t.getUTCMinutes())}` };
}

/** ISO weekday of a 'YYYY-MM-DD' date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 ? 7 : day;
}

/** 'YYYY-MM-DD' plus n days. */
export function addDaysToDate(date: string, n: number): string {
  return new Date(new Date(`${date}T00:00:00Z`).getTime() + n * 86_400_000).toISOString().slice(0, 10);
}
