import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.ts';
import { enqueueJob } from '../../platform/jobs/job-queue.ts';

/**
 * Recurring work lives in the durable job table: a recurring job enqueues its
 * next run when it finishes, unless one is already queued (so two servers
 * starting at once, or a reclaimed job, do not multiply the chain).
 */
export async function scheduleRecurringJob(db: Db, type: string, runAt: Date, opts: { organisationId?: string | null; payload?: Record<string, unknown> } = {}): Promise<boolean> {
  const organisationId = opts.organisationId ?? null;
  return db.transaction().execute(async (trx) => {
    // Serialise schedulers of the same type for this transaction's duration.
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`emarge.recurring:${type}:${organisationId ?? ''}`}))`.execute(trx);
    let q = trx.selectFrom('jobs').select('id').where('type', '=', type).where('status', '=', 'queued');
    q = organisationId ? q.where('organisation_id', '=', organisationId) : q.where('organisation_id', 'is', null);
    if (await q.executeTakeFirst()) return false;
    await enqueueJob(trx, type, opts.payload ?? {}, { organisationId, runAt });
    return true;
  });
}
