import { addDaysToDate, isoWeekday } from '../catalogue/session-time.ts';

/** The Monday 'YYYY-MM-DD' of an ISO week 'YYYY-Www' (week 1 holds the year's first Thursday); null when the year has no such week. */
export function mondayOfIsoWeek(week: string): string | null {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) return null;
  const year = Number(m[1]);
  const n = Number(m[2]);
  const jan4 = `${year}-01-04`;
  const week1Monday = addDaysToDate(jan4, 1 - isoWeekday(jan4));
  const monday = addDaysToDate(week1Monday, (n - 1) * 7);
  return isoWeekOf(monday) === week ? monday : null;
}

/** The ISO week 'YYYY-Www' of a date. */
export function isoWeekOf(date: string): string {
  const thursday = addDaysToDate(date, 4 - isoWeekday(date));
  const year = Number(thursday.slice(0, 4));
  const jan1 = new Date(`${year}-01-01T00:00:00Z`).getTime();
  const n = Math.floor((new Date(`${thursday}T00:00:00Z`).getTime() - jan1) / 86_400_000 / 7) + 1;
  return `${year}-W${String(n).padStart(2, '0')}`;
}
