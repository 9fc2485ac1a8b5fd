import { TZDate } from '@date-fns/tz';
import type { ProblemParams } from '../../platform/errors/problem-items.ts';
import type { HalfDay } from './catalogue.table.ts';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * Converts a local calendar date and wall-clock times in the organisation's
 * time zone into instants. A session starting before 13:00 local is the
 * morning half-day, otherwise the afternoon. Throws RangeError on bad input, and
 * SessionTimeError (a RangeError naming the field and the problem's code) on a
 * date that does not exist, a time that does not exist locally (DST gap), or
 * when end <= start.
 */
export function sessionBounds(date: string, startTime: string, endTime: string, timezone: string): { startsAt: Date; endsAt: Date; halfDay: HalfDay } {
  const d = DATE.exec(date);
  const s = TIME.exec(startTime);
  const e = TIME.exec(endTime);
  if (!d || !s || !e) throw new RangeError('date must be YYYY-MM-DD and times HH:MM');
  const [y, mo, da] = [Number(d[1]), Number(d[2]), Number(d[3])];
  const check = new Date(Date.UTC(y, mo - 1, da));
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== da) throw new SessionTimeError('date', 'date_not_calendar', {}, `${date} is not a calendar date`);
  const startsAt = localInstant(y, mo, da, Number(s[1]), Number(s[2]), timezone, 'start');
  const endsAt = localInstant(y, mo, da, Number(e[1]), Number(e[2]), timezone, 'end');
  if (endsAt <= startsAt) throw new SessionTimeError('end', 'end_not_after_start', { start: startTime }, 'the end time must be after the start time');
  return { startsAt, endsAt, halfDay: Number(s[1]) < 13 ? 'am' : 'pm' };
}

/** A session's date or time that cannot be: which field (`date`, `start` or `end` time) and the problem's code. */
export class SessionTimeError extends RangeError {
  readonly field: 'date' | 'start' | 'end';
  readonly code: 'date_not_calendar' | 'end_not_after_start' | 'time_not_in_zone';
  readonly params: ProblemParams;

  constructor(field: SessionTimeError['field'], code: SessionTimeError['code'], params: ProblemParams, message: string) {
    super(message);
    this.name = 'SessionTimeError';
    this.field = field;
    this.code = code;
    this.params = params;
  }
}

function localInstant(y: number, mo: number, d: number, h: number, mi: number, timezone: string, field: 'start' | 'end'): Date {
  const t = new TZDate(y, mo - 1, d, h, mi, 0, timezone);
  if (t.getHours() !== h || t.getMinutes() !== mi) {
    const time = `${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}`;
    throw new SessionTimeError(field, 'time_not_in_zone', { time, timezone }, `${time} does not exist on that day in ${timezone}`);
  }
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
