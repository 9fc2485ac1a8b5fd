import { sql } from 'kysely';
import { systemCtx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withSystem, withTenant } from '../../platform/db/tenant.ts';
import { enqueueJob, type JobHandler } from '../../platform/jobs/job-queue.ts';
import { auditAnonymousResponses, redactDeliveredLinks, restampAnonymousInvitations } from './anonymity.ts';
import { dueAtFor, sendDistribution, sendDueReminders, targetBounds } from './send-distribution.ts';

export const DISTRIBUTE_JOB = 'questionnaires.distribute';
export const DISTRIBUTE_INTERVAL_MS = 5 * 60_000;

/**
 * Sends every distribution whose time has come (its due time is recomputed
 * from the target's sessions, which may have moved), closes those past their
 * closing date, and sends due reminders. Organisation by organisation, each in
 * its own tenant transaction.
 */
export async function distributeDue(deps: { db: Db; clock: Clock; publicUrl: string }): Promise<{ sent: number; invitations: number; reminders: number; closed: number }> {
  const now = deps.clock.now();
  const orgs = await withSystem(deps.db, (trx) => trx.selectFrom('questionnaire_distributions').select('organisation_id').distinct().where('status', '!=', 'closed').execute());
  const totals = { sent: 0, invitations: 0, reminders: 0, closed: 0 };
  for (const { organisation_id } of orgs) {
    await withTenant(deps.db, organisation_id, async (trx) => {
      const rows = await trx.selectFrom('questionnaire_distributions').selectAll().where('status', '!=', 'closed').execute();
      for (const d of rows) {
        if (d.closes_at && d.closes_at <= now) {
          await trx.updateTable('questionnaire_distributions').set({ status: 'closed' }).where('id', '=', d.id).execute();
          totals.closed++;
          continue;
        }
        if (d.status === 'scheduled') {
          const q = await trx.selectFrom('questionnaires').select('status').where('id', '=', d.questionnaire_id).executeTakeFirstOrThrow();
          if (q.status !== 'published') continue;
          const dueAt = dueAtFor(d.trigger, d.trigger_days, await targetBounds(trx, d.target_type, d.target_id), now);
          if (dueAt?.getTime() !== d.due_at?.getTime()) await trx.updateTable('questionnaire_distributions').set({ due_at: dueAt }).where('id', '=', d.id).execute();
          if (!dueAt || dueAt > now) continue;
          const n = await sendDistribution(trx, d, { now, publicUrl: deps.publicUrl });
          await recordAuditEvent(trx, systemCtx(organisation_id), { type: 'questionnaire.invitations_sent', subjectType: 'questionnaire', subjectId: d.questionnaire_id, payload: { distributionId: d.id, invitations: n, reminder: false } });
          totals.sent++;
          totals.invitations += n;
        } else {
          const n = await sendDueReminders(trx, d, { now, publicUrl: deps.publicUrl });
          if (n > 0) await recordAuditEvent(trx, systemCtx(organisation_id), { type: 'questionnaire.invitations_sent', subjectType: 'questionnaire', subjectId: d.questionnaire_id, payload: { distributionId: d.id, invitations: n, reminder: true } });
          totals.reminders += n;
        }
      }
      await restampAnonymousInvitations(trx, now);
      await auditAnonymousResponses(trx, organisation_id);
      await redactDeliveredLinks(trx);
    });
  }
  return totals;
}

/** Queues the next distribution run unless one is already queued. */
export async function scheduleDistribution(db: Db, runAt: Date): Promise<boolean> {
  return withSystem(db, async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('emarge.recurring:questionnaires.distribute'))`.execute(trx);
    const queued = await trx.selectFrom('jobs').select('id').where('type', '=', DISTRIBUTE_JOB).where('status', '=', 'queued').executeTakeFirst();
    if (queued) return false;
    await enqueueJob(trx, DISTRIBUTE_JOB, {}, { runAt, maxAttempts: 3 });
    return true;
  });
}

/** The JobRunner handler: runs distributeDue, then queues the next run. */
export function questionnairesJobHandlers(deps: { db: Db; clock: Clock; config: { publicUrl: string }; intervalMs?: number }): Record<string, JobHandler> {
  return {
    [DISTRIBUTE_JOB]: async () => {
      try {
        return await distributeDue({ db: deps.db, clock: deps.clock, publicUrl: deps.config.publicUrl });
      } finally {
        await scheduleDistribution(deps.db, new Date(deps.clock.now().getTime() + (deps.intervalMs ?? DISTRIBUTE_INTERVAL_MS)));
      }
    },
  };
}
