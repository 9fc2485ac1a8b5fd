import { systemCtx } from '../../platform/auth/actor.ts';
import { systemClock } from '../../platform/clock.ts';
import { withSystem } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { getJob, JobRunner } from '../../platform/jobs/job-queue.ts';
import { analyticsJobHandlers } from '../../modules/analytics/analytics-jobs.ts';
import { requestTraining } from '../../modules/analytics/request-training.ts';
import { EXIT_FAILED, EXIT_OK, parseCommandArgs, runCommand, UsageError, withMigratedDatabase } from './command-support.ts';

export const TRAIN_USAGE = `Usage: emarge ml train --org SLUG [--epochs 30] [--seed 42]

Trains a new disengagement-risk model version on the organisation's own data
(finished cohorts: attendance and outcomes), as the server's background job
would, showing the progress and ETA live; then scores the current learners.
Refused with the minimum when there is too little data.`;

/** `emarge ml train`: queue the training job, run it here, print progress until it ends. */
export function runTrain(args: string[]): Promise<number> {
  return runCommand(TRAIN_USAGE, async () => {
    const { values } = parseCommandArgs(args, { org: { type: 'string' }, epochs: { type: 'string' }, seed: { type: 'string' } });
    if ((values as { help?: boolean }).help) {
      console.log(TRAIN_USAGE);
      return EXIT_OK;
    }
    if (!values.org) throw new UsageError('--org is required.');
    const int = (v: string | undefined, name: string): number | undefined => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 200) throw new UsageError(`--${name} must be an integer from 1 to 200 (got "${v}").`);
      return n;
    };
    const epochs = int(values.epochs, 'epochs');
    const seed = int(values.seed, 'seed');
    return withMigratedDatabase(async (db) => {
      const org = await withSystem(db, (trx) => trx.selectFrom('organisations').select(['id', 'name']).where('slug', '=', values.org!.trim().toLowerCase()).executeTakeFirst());
      if (!org) throw new UsageError(`No organisation with slug "${values.org}".`, { showUsage: false });
      let accepted;
      try {
        accepted = await requestTraining(db, systemCtx(org.id), { clock: systemClock }, { epochs, seed });
      } catch (error) {
        if (error instanceof AppError && error.status < 500) {
          console.error(`${org.name}: ${error.message}`);
          return EXIT_FAILED;
        }
        throw error;
      }
      console.error(`${org.name}: training model version ${accepted.version} (job ${accepted.jobId})…`);
      // Run the job here, printing each progress update as the job records it.
      let last = '';
      const show = (p: Record<string, unknown>) => {
        const line = p.phase === 'training'
          ? `  epoch ${p.epoch}/${p.epochs}  validation AUC ${typeof p.validationAuc === 'number' ? p.validationAuc.toFixed(3) : '–'}  ETA ≤ ${p.etaSeconds ?? '?'} s (early stopping may end sooner)`
          : `  ${String(p.phase)}`;
        if (line !== last) console.error(line);
        last = line;
      };
      const train = analyticsJobHandlers({ db, clock: systemClock })['analytics.train']!;
      const runner = new JobRunner({
        db,
        clock: systemClock,
        handlers: { 'analytics.train': (payload, ctx) => train(payload, { ...ctx, progress: async (p) => { show(p); await ctx.progress(p); } }) },
      });
      await runner.runDue();
      const job = await withSystem(db, (trx) => getJob(trx, accepted.jobId));
      if (job?.status !== 'done') {
        console.error(job?.status === 'failed' ? `Training failed: ${job.last_error}` : `The job is ${job?.status ?? 'missing'} (another worker may be running it).`);
        return EXIT_FAILED;
      }
      const model = await withSystem(db, (trx) => trx.selectFrom('model_versions').select(['version', 'metrics']).where('id', '=', accepted.modelVersionId).executeTakeFirstOrThrow());
      const m = (typeof model.metrics === 'string' ? JSON.parse(model.metrics) : model.metrics) as { label: string; validation: { auc: number; prAuc: number; f1AtThreshold: number }; calibration: { brier: number; ece: number }; byWeek: Array<{ week: number; n: number; auc: number | null; brier: number }> };
      const result = (typeof job.result === 'string' ? JSON.parse(job.result) : job.result) as { learnersScored?: number; predictions?: number };
      console.log(`Model version ${model.version} ready. Validation on held-out recent cohorts (${m.label}):`);
      console.log(`  AUC ${m.validation.auc.toFixed(3)}  PR-AUC ${m.validation.prAuc.toFixed(3)}  F1 ${m.validation.f1AtThreshold.toFixed(3)}  Brier ${m.calibration.brier.toFixed(4)}  ECE ${m.calibration.ece.toFixed(4)}`);
      console.log(`  by week: ${m.byWeek.filter((w) => w.auc !== null).map((w) => `w${w.week} ${w.auc!.toFixed(2)} (n=${w.n})`).join(', ')}`);
      console.log(`Scored ${result.learnersScored ?? 0} current learner(s) (${result.predictions ?? 0} weekly predictions).`);
      return EXIT_OK;
    });
  });
}
