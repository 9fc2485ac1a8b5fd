/**
 * Dates and times as the organisation sees them: every time is formatted in the
 * organisation's time zone and shown with it. Calendar dates ('YYYY-MM-DD') are
 * handled as plain dates (UTC arithmetic, no time zone).
 */
export function intlLocale(language: string): string {
  return language.startsWith('en') ? 'en-GB' : 'fr-FR';
}

/** "lun. 2 mars 2026, 09:00 (Europe/Paris)". */
export function formatDateTime(iso: string, timeZone: string, language: string): string {
  const d = new Date(iso);
  const locale = intlLocale(language);
  const date = new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'long', year: 'numeric', timeZone }).format(d);
  const time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(d);
  return `${date}, ${time} (${timeZone})`;
}

/** "09:00–12:30 (Europe/Paris)" from the session's instants. */
export function formatTimeRange(startIso: string, endIso: string, timeZone: string, language: string): string {
  const fmt = new Intl.DateTimeFormat(intlLocale(language), { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone });
  return `${fmt.format(new Date(startIso))}–${fmt.format(new Date(endIso))} (${timeZone})`;
}

/** A plain calendar date: "lun. 2 mars 2026". */
export function formatDate(date: string, language: string, opts: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric', month: 'long', year: 'numeric' }): string {
  return new Intl.DateTimeFormat(intlLocale(language), { ...opts, timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
}

/** Today's date in a time zone, 'YYYY-MM-DD'. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone }).format(now);
}

export function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** ISO weekday, 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 ? 7 : day;
}

/** The Monday of the week containing `date`. */
export function mondayOf(date: string): string {
  return addDays(date, 1 - isoWeekday(date));
}

export function isValidDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(new Date(`${value}T00:00:00Z`).getTime()) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
}

function zoneOffsetMs(at: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant of a local date and time ('HH:MM') in a time zone, as ISO. */
export function zonedTimeToIso(date: string, time: string, timeZone: string): string {
  const guess = new Date(`${date}T${time}:00Z`);
  const first = zoneOffsetMs(guess, timeZone);
  const second = zoneOffsetMs(new Date(guess.getTime() - first), timeZone);
  return new Date(guess.getTime() - second).toISOString();
}

/** 'HH:MM' of an instant in a time zone. */
export function timeIn(iso: string | Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(new Date(iso));
}

/** "09:12 (Europe/Paris)". */
export function formatTime(iso: string, timeZone: string, language: string): string {
  return `${new Intl.DateTimeFormat(intlLocale(language), { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(new Date(iso))} (${timeZone})`;
}
