import { sql } from 'kysely';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { APP_ROLE } from '../../platform/db/tenant-isolation.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { enqueueJob } from '../../platform/jobs/job-queue.ts';
import { loadEmargeLearners } from './emarge/emarge-learners.ts';
import { prepareTraining } from './emarge/emarge-dataset.ts';
import { checkTrainable } from './engine/train-risk-model.ts';
import { getNextVersion, getOrganisationFacts } from './model-version.repository.ts';

export const TRAIN_JOB = 'analytics.train';

export interface TrainingOptions {
  /** Maximum epochs (early stopping may end sooner). */
  epochs?: number;
  seed?: number;
}

/**
 * Starts training a new model version as a background job (staff). The data
 * is checked first, in the request: too few finished enrolments, a single
 * outcome or bad values are refused now, with the minimum, rather than as a
 * failed job later. One training at a time per organisation.
 */
export async function requestTraining(db: Db, ctx: Ctx, deps: { clock: Clock }, options: TrainingOptions = {}, scheduled = false) {
  assertOrgWide(ctx.actor);
  const organisationId = ctx.actor.organisationId;
  const now = deps.clock.now();
  return withTenant(db, organisationId, async (trx) => {
    // Serialise requests of one organisation (a click and the schedule at the same moment): the second sees the first's training.
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`analytics.train:${organisationId}`}))`.execute(trx);
    const running = await trx.selectFrom('model_versions').select(['version', 'training_job_id']).where('status', '=', 'training').executeTakeFirst();
    if (running) throw AppError.because('conflict', 'training_running', { version: running.version, job: running.training_job_id ?? '?' });
    const facts = await getOrganisationFacts(trx, organisationId, now);
    const prepared = prepareTraining(await loadEmargeLearners(trx, { asOf: facts.today }), facts.today);
    checkTrainable({ schema: prepared.schema, train: prepared.train, validation: prepared.validation });

    const version = await getNextVersion(trx);
    const model = await trx
      .insertInto('model_versions')
      .values({ organisation_id: organisationId, version, status: 'training', data_window: JSON.stringify(prepared.dataWindow), created_by: ctx.actor.kind === 'person' ? ctx.actor.personId : null })
      .returning('id')
      .executeTakeFirstOrThrow();
    // The job queue is not a tenant table: step out of the tenant role for the insert, then back.
    await sql`SET LOCAL ROLE NONE`.execute(trx);
    const jobId = Number(await enqueueJob(trx, TRAIN_JOB, { organisationId, modelVersionId: model.id, epochs: options.epochs ?? 30, seed: options.seed ?? 42 }, { organisationId, runAt: now, maxAttempts: 1 }));
    await sql`SELECT set_config('role', ${APP_ROLE}, true)`.execute(trx);
    await trx.updateTable('model_versions').set({ training_job_id: jobId }).where('id', '=', model.id).execute();
    await recordAuditEvent(trx, ctx, { type: 'analytics.training_requested', subjectType: 'model_version', subjectId: model.id, payload: { modelVersionId: model.id, version, jobId, scheduled } });
    return { jobId, modelVersionId: model.id, version, status: 'queued' as const, statusUrl: `/api/v1/analytics/jobs/${jobId}` };
  });
}
