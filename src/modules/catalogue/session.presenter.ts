import { frenchHolidayName } from './french-holidays.ts';
import type { SessionRow } from './session.repository.ts';
import { localParts } from './session-time.ts';

/** The public shape of a session: local date and times in the organisation's time zone, and the holiday if any. */
export function presentSession<R extends Omit<SessionRow, 'id'> & { id: string | null }>(row: R, timezone: string) {
  return {
    id: row.id as R['id'],
    cohortId: row.cohort_id,
    cohortName: row.cohort_name,
    programTitle: row.program_title,
    moduleId: row.module_id,
    moduleTitle: row.module_title,
    date: row.date,
    halfDay: row.half_day,
    startTime: localParts(row.starts_at, timezone).time,
    endTime: localParts(row.ends_at, timezone).time,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    timezone,
    location: row.location,
    remoteUrl: row.remote_url,
    capacity: row.capacity,
    status: row.status,
    trainerIds: row.trainer_ids,
    holiday: frenchHolidayName(row.date),
  };
}
