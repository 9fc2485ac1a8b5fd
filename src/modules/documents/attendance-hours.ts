import type { AttendanceStatus } from '../attendance/attendance.table.ts';

export interface SessionAttendance {
  startsAt: Date;
  endsAt: Date;
  /** The learner's status on the sheet; null when the session has no record for them yet. */
  status: AttendanceStatus | null;
  /** Minutes late (status late, or left early after arriving late); null or 0 when on time. */
  lateMinutes?: number | null;
  leftAt: Date | null;
}

export interface AttendanceHours {
  sessions: number;
  /** Sessions over at `asOf` (the only ones counted below). */
  heldSessions: number;
  plannedHours: number;
  /** Hours of the sessions already over at `asOf` ("delivered"). */
  heldHours: number;
  /** Hours of sessions in progress or to come at `asOf`: planned, not counted. */
  upcomingHours: number;
  attendedHours: number;
  excusedHours: number;
  /** Held hours neither attended nor excused: absent, never signed, minutes late, time after leaving early. */
  absentHours: number;
  /** attended / held, null when nothing has been held yet. */
  rate: number | null;
  /** attended / (held − excused): attendance over the hours the learner had to attend; null when none. */
  rateExcludingExcused: number | null;
  firstDate: Date | null;
  lastDate: Date | null;
}

const hours = (ms: number) => ms / 3_600_000;
const round2 = (n: number) => Math.round(n * 100) / 100;
const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10_000) / 10_000 : null);

/**
 * The certificate's hours, the rules printed in its footnote. Only sessions
 * over at `asOf` count (one in progress or to come is planned, not held, and
 * nothing of it is attended or missed yet). Of a held session: present counts
 * the whole session; late counts from the arrival (start + minutes late); left
 * early from the arrival until the time of leaving (clamped to the session);
 * an excused (justified) absence counts as excused, not attended; the rest of
 * a held session is an unjustified absence.
 */
export function computeAttendanceHours(sessions: SessionAttendance[], asOf: Date): AttendanceHours {
  let planned = 0;
  let held = 0;
  let heldSessions = 0;
  let attended = 0;
  let excused = 0;
  let first: Date | null = null;
  let last: Date | null = null;
  for (const s of sessions) {
    const start = s.startsAt.getTime();
    const end = s.endsAt.getTime();
    const duration = end - start;
    planned += duration;
    if (!first || s.startsAt < first) first = s.startsAt;
    if (!last || s.endsAt > last) last = s.endsAt;
    if (end > asOf.getTime()) continue;
    held += duration;
    heldSessions++;
    const arrival = Math.min(end, start + Math.max(0, s.lateMinutes ?? 0) * 60_000);
    switch (s.status) {
      case 'present':
        attended += duration;
        break;
      case 'late':
        attended += end - arrival;
        break;
      case 'left_early': {
        const until = s.leftAt ? Math.min(Math.max(s.leftAt.getTime(), arrival), end) : arrival;
        attended += until - arrival;
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
    heldSessions,
    plannedHours: round2(hours(planned)),
    heldHours,
    upcomingHours: round2(hours(planned - held)),
    attendedHours,
    excusedHours,
    absentHours: round2(hours(Math.max(0, held - attended - excused))),
    rate: ratio(attended, held),
    rateExcludingExcused: ratio(attended, held - excused),
    firstDate: first,
    lastDate: last,
  };
}
