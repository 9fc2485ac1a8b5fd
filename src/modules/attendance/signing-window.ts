import { AppError } from '../../platform/errors/app-error.ts';
import type { AttendanceSettings } from './attendance-settings.ts';

export interface SigningWindow {
  opensAt: Date;
  closesAt: Date;
  startsAt: Date;
  endsAt: Date;
}

export type WindowState = 'not_open_yet' | 'open' | 'closed';

/** Learners may sign from `windowOpensMinutesBefore` the start until `windowClosesMinutesAfterEnd` after the end. */
export function signingWindowOf(session: { starts_at: Date; ends_at: Date }, settings: AttendanceSettings): SigningWindow {
  return {
    startsAt: session.starts_at,
    endsAt: session.ends_at,
    opensAt: new Date(session.starts_at.getTime() - settings.windowOpensMinutesBefore * 60_000),
    closesAt: new Date(session.ends_at.getTime() + settings.windowClosesMinutesAfterEnd * 60_000),
  };
}

/** Open on [opensAt, closesAt): at closesAt exactly it is closed. */
export function windowStateAt(window: SigningWindow, now: Date): WindowState {
  if (now < window.opensAt) return 'not_open_yet';
  if (now >= window.closesAt) return 'closed';
  return 'open';
}

/** "lun. 2 mars 2026, 08:45 (Europe/Paris)"-style, in English: "2 Mar 2026, 08:45 (Europe/Paris)". */
export function formatLocal(date: Date, timezone: string): string {
  const text = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false, timeZone: timezone }).format(date);
  return `${text} (${timezone})`;
}

/** ISO 8601 with the zone's offset, e.g. "2026-03-02T09:03:12+01:00". */
export function localIso(date: Date, timezone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false, timeZone: timezone, timeZoneName: 'longOffset' })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : String(parts.timeZoneName).replace('GMT', '');
  const hour = parts.hour === '24' ? '00' : parts.hour;
  return `${parts.year}-${parts.month}-${parts.day}T${hour}:${parts.minute}:${parts.second}${offset}`;
}

/** Throws signing_window_not_open_yet / signing_window_closed with the window in the organisation's time zone. */
export function assertWindowOpen(window: SigningWindow, now: Date, timezone: string): void {
  const state = windowStateAt(window, now);
  if (state === 'open') return;
  const extra = { opensAt: window.opensAt.toISOString(), closesAt: window.closesAt.toISOString(), timezone };
  const span = `from ${formatLocal(window.opensAt, timezone)} to ${formatLocal(window.closesAt, timezone)}`;
  if (state === 'not_open_yet') throw new AppError('signing_window_not_open_yet', `Signing for this session is not open yet: it is open ${span}.`, { extra });
  throw new AppError('signing_window_closed', `Signing for this session is closed: it was open ${span}. Ask the trainer to mark your attendance.`, { extra });
}
