import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import type { JobHandler } from '../../platform/jobs/job-queue.ts';
import { scheduleRecurringJob } from './recurring-jobs.ts';

/** The per-organisation jobs the scheduler queues, and how often (minutes). */
export const SCHEDULED_JOBS = { 'reminders.tick': 1, 'absences.request': 15, 'attendance.alerts': 15 } as const;
/** Finished recurring jobs are pruned after this. */
const KEEP_DONE_MS = 24 * 3600_000;

/**
 * 'scheduler.tick', every minute (a durable chain in the jobs table): queues
 * 'reminders.tick' for each organisation with sessions around now, and every
 * 15 minutes 'absences.request' and 'attendance.alerts' for those with recent
 * sessions (each at most once queued per organisation); prunes finished
 * recurring jobs older than a day; queues the next tick at the next minute.
 */
export function schedulerJobHandlers(deps: { db: Db; clock: Clock }): Record<string, JobHandler> {
  return {
    'scheduler.tick': async () => {
      const { db, clock } = deps;
      const now = clock.now();
      const minute = Math.floor(now.getTime() / 60_000);
      const orgsWithSessions = async (from: number, to: number) =>
        (
          await db
            .selectFrom('sessions')
            .select('organisation_id')
            .distinct()
            .where('status', '=', 'planned')
            .where('ends_at', '>=', new Date(now.getTime() + from))
            .where('starts_at', '<=', new Date(now.getTime() + to))
            .execute()
        ).map((r) => r.organisation_id);
      let queued = 0;
      for (const organisationId of await orgsWithSessions(-48 * 3600_000, 24 * 3600_000)) {
        if (await scheduleRecurringJob(db, 'reminders.tick', now, { organisationId })) queued++;
      }
      if (minute % SCHEDULED_JOBS['absences.request'] === 0) {
        for (const organisationId of await orgsWithSessions(-48 * 3600_000, 0)) {
          for (const type of ['absences.request', 'attendance.alerts']) if (await scheduleRecurringJob(db, type, now, { organisationId })) queued++;
        }
      }
      const pruned = await db
        .deleteFrom('jobs')
        .where('type', 'in', ['scheduler.tick', 'webhooks.deliver', ...Object.keys(SCHEDULED_JOBS)])
        .where('status', '=', 'done')
        .where('finished_at', '<', new Date(now.getTime() - KEEP_DONE_MS))
        .executeTakeFirst();
      await scheduleRecurringJob(db, 'scheduler.tick', new Date((minute + 1) * 60_000));
      return { queued, pruned: Number(pruned.numDeletedRows) };
    },
  };
}
