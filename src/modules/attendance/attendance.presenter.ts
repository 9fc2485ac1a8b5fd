import type { Selectable } from 'kysely';
import { ATTENDANCE_STATUSES, type AttendanceStatus, type AttendanceRecordsTable } from './attendance.table.ts';
import { localIso } from './signing-window.ts';

/** A time for people: the instant (UTC ISO), the same in the organisation's zone with its offset, and the zone. */
export function presentTime(date: Date | null, timezone: string): { at: string; local: string; timezone: string } | null {
  return date ? { at: date.toISOString(), local: localIso(date, timezone), timezone } : null;
}

/** One line of a sheet (field whitelist). */
export function presentRecord(row: Selectable<AttendanceRecordsTable>, people: Map<string, { name: string; email: string }>, timezone: string) {
  const person = people.get(row.person_id);
  return {
    personId: row.person_id,
    name: person?.name ?? null,
    email: person?.email ?? null,
    role: row.role,
    status: row.status,
    lateMinutes: row.late_minutes,
    leftAt: row.left_at?.toISOString() ?? null,
    leftAtLocal: presentTime(row.left_at, timezone)?.local ?? null,
    signedAt: row.signed_at?.toISOString() ?? null,
    signedAtLocal: presentTime(row.signed_at, timezone)?.local ?? null,
    timezone,
    method: row.method,
    signatureId: row.signature_id,
    markedBy: row.marked_by,
    reason: row.reason,
    review: row.review,
    reviewedBy: row.reviewed_by,
    reviewedAt: row.reviewed_at?.toISOString() ?? null,
    reviewedAtLocal: presentTime(row.reviewed_at, timezone)?.local ?? null,
  };
}

/** Statuses that count as attended (the learner was there, for all or part of the session). */
export const ATTENDED_STATUSES: readonly AttendanceStatus[] = ['present', 'late', 'left_early'];

/** Whether the learner signed themselves (a signature, or a signing method other than a trainer's mark: imported history has no image). */
export function signedByLearner(r: { signature_id: string | null; method: string | null }): boolean {
  return r.signature_id !== null || (r.method !== null && r.method !== 'trainer_mark');
}

/**
 * The learner counts of a sheet: one per status, and `attended` (present, late
 * or left early) split into `signed` (with the learner's own signature) and
 * `marked` (set by a trainer's mark or a manager's amendment, no signature), so
 * attended = signed + marked. `pending` learners are the missing signatures.
 */
export function presentCounts(learners: readonly { status: AttendanceStatus; signature_id: string | null; method: string | null; review?: string | null }[]) {
  const byStatus = Object.fromEntries(ATTENDANCE_STATUSES.map((s) => [s, 0])) as Record<AttendanceStatus, number>;
  let signed = 0;
  let marked = 0;
  let awaitingReview = 0;
  for (const r of learners) {
    byStatus[r.status]++;
    if (r.review === 'pending') awaitingReview++;
    if (!ATTENDED_STATUSES.includes(r.status)) continue;
    if (signedByLearner(r)) signed++;
    else marked++;
  }
  return { learners: learners.length, attended: signed + marked, signed, marked, awaitingReview, ...byStatus };
}
