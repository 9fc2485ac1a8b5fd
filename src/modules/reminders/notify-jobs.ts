import type { Config } from '../../config.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import type { JobContext, JobHandler } from '../../platform/jobs/job-queue.ts';
import { checkAttendanceAlerts } from '../absences/check-attendance-alerts.ts';
import { sendAbsenceRequests } from '../absences/send-absence-requests.ts';
import { webhookJobHandlers } from '../webhooks/webhook-jobs.ts';
import { scheduleRecurringJob } from './recurring-jobs.ts';
import { schedulerJobHandlers } from './scheduler.ts';
import { sendSessionReminders } from './send-session-reminders.ts';

export interface NotifyJobDeps {
  db: Db;
  clock: Clock;
  config: Pick<Config, 'publicUrl'>;
  /** Webhook request timeout (default 10 s); tests shorten it. */
  webhookTimeoutMs?: number;
}

/** The organisation a per-organisation job is for (the job's own, else its payload's). */
function organisationOf(payload: Record<string, unknown>, ctx: JobContext): string {
  const id = ctx.organisationId ?? (typeof payload.organisationId === 'string' ? payload.organisationId : null);
  if (!id) throw new Error('this job needs an organisation');
  return id;
}

/** Every job handler of the notification modules (webhooks, reminders, absence requests, alerts), for the server's JobRunner. */
export function notifyJobHandlers(deps: NotifyJobDeps): Record<string, JobHandler> {
  return {
    ...webhookJobHandlers(deps),
    ...schedulerJobHandlers(deps),
    'reminders.tick': async (payload, ctx) => ({ ...(await sendSessionReminders(deps, organisationOf(payload, ctx))) }),
    'absences.request': async (payload, ctx) => sendAbsenceRequests(deps, organisationOf(payload, ctx)),
    'attendance.alerts': async (payload, ctx) => checkAttendanceAlerts(deps, organisationOf(payload, ctx)),
  };
}

/** Starts the recurring chains (idempotent: a chain already queued is left alone). Call once at server start. */
export async function startNotifySchedules(db: Db, clock: Clock): Promise<void> {
  await scheduleRecurringJob(db, 'webhooks.deliver', clock.now());
  await scheduleRecurringJob(db, 'scheduler.tick', clock.now());
}
