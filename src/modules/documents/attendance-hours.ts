import type { AttendanceStatus } from '../attendance/attendance.table.ts';

export interface SessionAttendance {
  startsAt: Date;
  endsAt: Date;
  /** The learner's status on the sheet; null when the session has no record for them yet. */
  status: AttendanceStatus | null;
  leftAt: Date | null;
}

export interface AttendanceHours {
  sessions: number;
  plannedHours: number;
  /** Hours of the sessions already over at `asOf`: the rate's denominator. */
  heldHours: number;
  attendedHours: number;
  excusedHours: number;
  /** Held sessions neither attended nor excused (absent, never signed). */
  absentHours: number;
  /** attended / held, null when nothing has been held yet. */
  rate: number | null;
  firstDate: Date | null;
  lastDate: Date | null;
}

const hours = (ms: number) => ms / 3_600_000;
const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Hours attended out of hours planned, the rules printed on the certificate:
 * present and late count the whole session; left early counts from the start
 * until the time of leaving (clamped to the session); excused absences are
 * counted apart and not as attended; anything else held is an absence.
 */
export function computeAttendanceHours(sessions: SessionAttendance[], asOf: Date): AttendanceHours {
  let planned = 0;
  let held = 0;
  let attended = 0;
  let excused = 0;
  let first: Date | null = null;
  let last: Date | null = null;
  for (const s of sessions) {
    const duration = s.endsAt.getTime() - s.startsAt.getTime();
    planned += duration;
    if (!first || s.startsAt < first) first = s.startsAt;
    if (!last || s.endsAt > last) last = s.endsAt;
    const isHeld = s.endsAt <= asOf;
    if (isHeld) held += duration;
    switch (s.status) {
      case 'present':
      case 'late':
        attended += duration;
        break;
      case 'left_early': {
        const until = s.leftAt ? Math.min(Math.max(s.leftAt.getTime(), s.startsAt.getTime()), s.endsAt.getTime()) : s.startsAt.getTime();
        attended += until - s.startsAt.getTime();
        break;
      }
      case 'excused':
        excused += duration;
        break;
      default:
        break;
    }
  }
  const heldHours = round2(hours(held));
  const attendedHours = round2(hours(attended));
  const excusedHours = round2(hours(excused));
  return {
    sessions: sessions.length,
    plannedHours: round2(hours(planned)),
    heldHours,
    attendedHours,
    excusedHours,
    absentHours: round2(Math.max(0, heldHours - attendedHours - excusedHours)),
    rate: held > 0 ? Math.round((attended / held) * 10_000) / 10_000 : null,
    firstDate: first,
    lastDate: last,
  };
}
