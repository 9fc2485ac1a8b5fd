import type { Selectable } from 'kysely';
import type { AttendanceRecordsTable } from './attendance.table.ts';
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
  };
}
