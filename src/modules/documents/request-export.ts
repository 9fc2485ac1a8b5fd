import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import { enqueueJob } from '../../platform/jobs/job-queue.ts';
import { getCohortContext } from './documents.repository.ts';
import type { ExportKind } from './documents.table.ts';

export const EXPORT_JOB = 'documents.export';

export interface ExportJobPayload {
  organisationId: string;
  cohortId: string;
  kind: ExportKind;
  requestedBy: string | null;
}

/**
 * Starts a batch export of a cohort's sealed documents (every session sheet,
 * or every learner's certificate) as a background job; staff only. The job is
 * enqueued in the same transaction as the audit event.
 */
export async function requestExport(db: Db, ctx: Ctx, cohortId: string, kind: ExportKind, deps: { clock: Clock }) {
  assertOrgWide(ctx.actor);
  const organisationId = ctx.actor.organisationId;
  return withTenant(db, organisationId, async (trx) => {
    const cohort = await getCohortContext(trx, cohortId);
    if (!cohort) throw notFound('Cohort');
    const payload: ExportJobPayload = { organisationId, cohortId, kind, requestedBy: ctx.actor.kind === 'person' ? ctx.actor.personId : null };
    const jobId = await enqueueJob(trx, EXPORT_JOB, { ...payload }, { organisationId, runAt: deps.clock.now(), maxAttempts: 3 });
    await recordAuditEvent(trx, ctx, { type: 'documents.export_requested', subjectType: 'cohort', subjectId: cohortId, payload: { kind, cohortId, jobId: Number(jobId) } });
    return { jobId: Number(jobId), status: 'queued', statusUrl: `/api/v1/jobs/${jobId}`, downloadUrl: `/api/v1/exports/${jobId}.zip` };
  });
}
