/**
 * French public holidays (jours fériés, metropolitan France) for a year, as
 * 'YYYY-MM-DD' → name. Courts have rejected attendance sheets dated on public
 * holidays, so session generation skips them and sheets flag them.
 * Alsace-Moselle's two extra days (Good Friday, 26 December) are included when asked.
 */
export function frenchPublicHolidays(year: number, opts: { alsaceMoselle?: boolean } = {}): Map<string, string> {
  const easter = easterSunday(year);
  const days: Array<[Date, string]> = [
    [utc(year, 1, 1), "Jour de l'an"],
    [addDays(easter, 1), 'Lundi de Pâques'],
    [utc(year, 5, 1), 'Fête du Travail'],
    [utc(year, 5, 8), 'Victoire 1945'],
    [addDays(easter, 39), 'Ascension'],
    [addDays(easter, 50), 'Lundi de Pentecôte'],
    [utc(year, 7, 14), 'Fête nationale'],
    [utc(year, 8, 15), 'Assomption'],
    [utc(year, 11, 1), 'Toussaint'],
    [utc(year, 11, 11), 'Armistice 1918'],
    [utc(year, 12, 25), 'Noël'],
  ];
  if (opts.alsaceMoselle) days.push([addDays(easter, -2), 'Vendredi saint'], [utc(year, 12, 26), 'Saint-Étienne']);
  return new Map(days.map(([d, name]) => [isoDate(d), name]));
}

const holidayCache = new Map<string, Map<string, string>>();

/** The holiday's name when `date` ('YYYY-MM-DD') is a French public holiday, else null. */
export function frenchHolidayName(date: string, opts: { alsaceMoselle?: boolean } = {}): string | null {
  // Called for every session presented: each year's table is computed once.
  const key = `${date.slice(0, 4)}:${opts.alsaceMoselle ? 'am' : ''}`;
  let holidays = holidayCache.get(key);
  if (!holidays) {
    holidays = frenchPublicHolidays(Number(date.slice(0, 4)), opts);
    holidayCache.set(key, holidays);
  }
  return holidays.get(date) ?? null;
}

/** Gregorian Easter Sunday (Meeus/Jones/Butcher algorithm). */
export function easterSunday(year: number): Date {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return utc(year, month, day);
}

function utc(y: number, m: number, d: number): Date {
  return new Date(Date.UTC(y, m - 1, d));
}
function addDays(d: Date, n: number): Date {
  return new Date(d.getTime() + n * 86_400_000);
}
function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}
