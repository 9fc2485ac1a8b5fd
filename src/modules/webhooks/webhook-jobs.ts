import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import type { JobHandler } from '../../platform/jobs/job-queue.ts';
import { scheduleRecurringJob } from '../reminders/recurring-jobs.ts';
import { deliverAllDueWebhooks } from './deliver-webhooks.ts';

/** Seconds between two delivery passes (a pass also runs on each scheduler tick). */
export const WEBHOOK_PASS_INTERVAL_MS = 10_000;

/**
 * 'webhooks.deliver': one delivery pass over the due deliveries of every
 * organisation, then the next pass is queued WEBHOOK_PASS_INTERVAL_MS later.
 */
export function webhookJobHandlers(deps: { db: Db; clock: Clock; webhookTimeoutMs?: number }): Record<string, JobHandler> {
  return {
    'webhooks.deliver': async () => {
      const report = await deliverAllDueWebhooks(deps.db, deps.clock, { timeoutMs: deps.webhookTimeoutMs });
      await scheduleRecurringJob(deps.db, 'webhooks.deliver', new Date(deps.clock.now().getTime() + WEBHOOK_PASS_INTERVAL_MS));
      return { ...report };
    },
  };
}
