import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withSystem, withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { getJob } from '../../platform/jobs/job-queue.ts';
import { getTrainingJob } from './model-card.ts';
import { TRAIN_JOB } from './request-training.ts';
import { cancelTrainingJob } from './train-in-worker.ts';

/**
 * Cancels a training job (staff). Queued: it fails at once and never runs.
 * Running in this server process: its worker thread is stopped and the job
 * fails with "Training cancelled: cancelled by <name>" (the model version
 * too). Already trained (scoring), finished, or running in another server
 * process: refused (409) with the reason. Returns the job as it then stands.
 */
export async function cancelTraining(db: Db, ctx: Ctx, jobId: number, deps: { clock: Clock }) {
  assertOrgWide(ctx.actor);
  const organisationId = ctx.actor.organisationId;
  const job = await withSystem(db, (trx) => getJob(trx, jobId));
  if (!job || job.organisation_id !== organisationId || job.type !== TRAIN_JOB) throw notFound('Training job');
  if (job.status === 'done' || job.status === 'failed') throw AppError.because('conflict', 'training_ended', { status: job.status });
  const who = ctx.actor.kind === 'person'
    ? await withTenant(db, organisationId, (trx) => trx.selectFrom('people').select(['given_name', 'family_name']).where('id', '=', (ctx.actor as { personId: string }).personId).executeTakeFirst())
    : null;
  const reason = `cancelled by ${who ? `${who.given_name} ${who.family_name}` : 'an API client'}`;

  // Still queued: fail it before any worker claims it (the update says whether it was still queued).
  const dequeued = await withSystem(db, (trx) =>
    trx.updateTable('jobs').set({ status: 'failed', last_error: `Training cancelled: ${reason}`, finished_at: deps.clock.now(), progress: JSON.stringify({ phase: 'failed', epoch: 0, epochs: 0, etaSeconds: null }) }).where('id', '=', jobId).where('status', '=', 'queued').returning('id').executeTakeFirst(),
  );
  if (dequeued) {
    await withTenant(db, organisationId, async (trx) => {
      const model = await trx.updateTable('model_versions').set({ status: 'failed', error: `Training cancelled: ${reason}` }).where('training_job_id', '=', jobId).where('status', '=', 'training').returning('id').executeTakeFirst();
      await recordAuditEvent(trx, ctx, { type: 'analytics.training_cancelled', subjectType: 'model_version', subjectId: model?.id ?? organisationId, payload: { jobId, modelVersionId: model?.id ?? null, while: 'queued' } });
    });
    return getTrainingJob(db, ctx, jobId);
  }
  if (!cancelTrainingJob(jobId, reason)) {
    throw AppError.because('conflict', 'training_not_cancellable');
  }
  await withTenant(db, organisationId, async (trx) => {
    const model = await trx.selectFrom('model_versions').select('id').where('training_job_id', '=', jobId).executeTakeFirst();
    await recordAuditEvent(trx, ctx, { type: 'analytics.training_cancelled', subjectType: 'model_version', subjectId: model?.id ?? organisationId, payload: { jobId, modelVersionId: model?.id ?? null, while: 'running' } });
  });
  return getTrainingJob(db, ctx, jobId);
}
