import type { Config } from '../../config.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import type { JobHandler } from '../../platform/jobs/job-queue.ts';
import { webhookJobHandlers } from '../webhooks/webhook-jobs.ts';
import { scheduleRecurringJob } from './recurring-jobs.ts';

export interface NotifyJobDeps {
  db: Db;
  clock: Clock;
  config: Config;
  /** Webhook request timeout (default 10 s); tests shorten it. */
  webhookTimeoutMs?: number;
}

/** Every job handler of the notification modules (webhooks, reminders, absence requests, alerts), for the server's JobRunner. */
export function notifyJobHandlers(deps: NotifyJobDeps): Record<string, JobHandler> {
  return { ...webhookJobHandlers(deps) };
}

/** Starts the recurring chains (idempotent: a chain already queued is left alone). Call once at server start. */
export async function startNotifySchedules(db: Db, clock: Clock): Promise<void> {
  await scheduleRecurringJob(db, 'webhooks.deliver', clock.now());
}
