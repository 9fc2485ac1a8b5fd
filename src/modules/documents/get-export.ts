import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import type { Db } from '../../platform/db/database.ts';
import { withSystem, withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';

/** A background job of the caller's organisation (the queue is not a tenant table: scoped by organisation here). Staff only. */
export async function getJobStatus(db: Db, ctx: Ctx, id: number) {
  assertOrgWide(ctx.actor);
  const job = await withSystem(db, (trx) =>
    trx
      .selectFrom('jobs')
      .select(['id', 'type', 'status', 'progress', 'result', 'last_error', 'created_at', 'finished_at'])
      .where('id', '=', id)
      .where('organisation_id', '=', ctx.actor.organisationId)
      .executeTakeFirst(),
  );
  if (!job) throw notFound('Job');
  const progress = (typeof job.progress === 'string' ? JSON.parse(job.progress) : job.progress) as { done?: number; total?: number } | null;
  const result = (typeof job.result === 'string' ? JSON.parse(job.result) : job.result) as Record<string, unknown> | null;
  return {
    id: Number(job.id),
    type: job.type,
    status: job.status,
    progress: progress && typeof progress.done === 'number' && typeof progress.total === 'number' ? { done: progress.done, total: progress.total } : null,
    result,
    error: job.status === 'failed' ? job.last_error : null,
    createdAt: new Date(job.created_at).toISOString(),
    finishedAt: job.finished_at ? new Date(job.finished_at).toISOString() : null,
  };
}

/** The ZIP of a finished export; 409 while the job is still running. Staff only. */
export async function getExportZip(db: Db, ctx: Ctx, jobId: number) {
  assertOrgWide(ctx.actor);
  const row = await withTenant(db, ctx.actor.organisationId, (trx) =>
    trx.selectFrom('document_exports').select(['file_name', 'zip', 'sha256']).where('job_id', '=', jobId).executeTakeFirst(),
  );
  if (row) return { fileName: row.file_name, zip: Buffer.from(row.zip), sha256: row.sha256 };
  const job = await getJobStatus(db, ctx, jobId);
  if (job.type !== 'documents.export') throw notFound('Export');
  if (job.status === 'failed') throw new AppError('unprocessable', `The export failed: ${job.error ?? 'unknown error'}`);
  throw new AppError('export_not_ready', `The export is ${job.status}${job.progress ? ` (${job.progress.done}/${job.progress.total})` : ''}; try again when GET /api/v1/jobs/${jobId} says done.`);
}
