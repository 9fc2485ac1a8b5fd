import { systemCtx } from '../../platform/auth/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withSystem, withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import type { JobHandler } from '../../platform/jobs/job-queue.ts';
import { scheduleRecurringJob } from '../reminders/recurring-jobs.ts';
import { findLatestReadyModel, getOrganisationFacts } from './model-version.repository.ts';
import { requestTraining, TRAIN_JOB } from './request-training.ts';
import { runTrainingJob, type TrainJobPayload } from './run-training-job.ts';
import { isMonitoringDue, monitorPredictions } from './monitor-predictions.ts';
import { scoreLearners } from './score-learners.ts';

export const SCHEDULE_JOB = 'analytics.schedule';
const DAY = 86_400_000;
const RETRAIN_EVERY_DAYS = { weekly: 7, monthly: 30 } as const;

/**
 * One tick of scheduled analytics, per organisation: retrain when the
 * organisation asked for it (settings.analytics.retrain weekly / monthly) and
 * the latest training (deployed or rejected) is older than that; otherwise
 * rescore the current learners with the latest ready model, so the risk list
 * follows the week. Once a week, past predictions are scored against the
 * outcomes known since (monitor-predictions.ts). A refusal (too little data,
 * one outcome) is recorded in the result, not retried.
 */
export async function runAnalyticsTick(db: Db, clock: Clock): Promise<Record<string, unknown>> {
  const orgs = await withSystem(db, (trx) => trx.selectFrom('organisations').select('id').execute());
  const outcome: Record<string, string> = {};
  for (const { id } of orgs) {
    const ctx = systemCtx(id);
    const state = await withTenant(db, id, async (trx) => ({
      facts: await getOrganisationFacts(trx, id, clock.now()),
      latest: await findLatestReadyModel(trx),
      training: await trx.selectFrom('model_versions').select('id').where('status', '=', 'training').executeTakeFirst(),
      lastTrained: await trx.selectFrom('model_versions').select('trained_at').where('status', 'in', ['ready', 'rejected']).orderBy('version', 'desc').limit(1).executeTakeFirst(),
      monitor: await isMonitoringDue(trx, (await getOrganisationFacts(trx, id, clock.now())).today),
    }));
    const monitored = state.latest && state.monitor ? await monitorPredictions(db, id, clock.now()) : null;
    const monitoredNote = monitored ? `; monitored ${monitored.versions.reduce((a, v) => a + v.predictions, 0)} past prediction(s)` : '';
    if (state.training) {
      outcome[id] = 'training already in progress';
      continue;
    }
    const retrain = state.facts.analytics.retrain;
    const due = retrain !== 'off' && (!state.lastTrained?.trained_at || clock.now().getTime() - new Date(state.lastTrained.trained_at).getTime() >= RETRAIN_EVERY_DAYS[retrain] * DAY);
    try {
      if (due) {
        const r = await requestTraining(db, ctx, { clock }, {}, true);
        outcome[id] = `training queued (job ${r.jobId})${monitoredNote}`;
      } else if (state.latest) {
        const r = await scoreLearners(db, ctx, state.latest.id, { clock });
        outcome[id] = `scored ${r.learners} learner(s)${monitoredNote}`;
      }
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      outcome[id] = `${error.code}: ${error.message}`;
    }
  }
  return { organisations: orgs.length, outcome };
}

/** The analytics job handlers, for the server's single JobRunner. */
export function analyticsJobHandlers(deps: { db: Db; clock: Clock }): Record<string, JobHandler> {
  return {
    [TRAIN_JOB]: (payload, job) => runTrainingJob(deps.db, deps.clock, payload as unknown as TrainJobPayload, job),
    [SCHEDULE_JOB]: async () => {
      try {
        return await runAnalyticsTick(deps.db, deps.clock);
      } finally {
        await scheduleAnalytics(deps.db, new Date(deps.clock.now().getTime() + DAY));
      }
    },
  };
}

/** Queues the next analytics tick (once a day; idempotent when one is queued). */
export function scheduleAnalytics(db: Db, runAt: Date): Promise<boolean> {
  return scheduleRecurringJob(db, SCHEDULE_JOB, runAt);
}
