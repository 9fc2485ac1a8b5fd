import { z } from 'zod';
import { assertAdmin, type Ctx } from '../auth/actor.ts';
import type { Db } from '../db/database.ts';
import { withTenant } from '../db/tenant.ts';
import { decodeCursor, toPage } from '../http/pagination.ts';

/**
 * The organisation's audit log, newest first (admins and API keys). `type`
 * matches one event type, or every type under a prefix ending with a dot
 * ("auth." → auth.signed_in, auth.sign_in_failed…).
 */
export async function listAuditEvents(db: Db, ctx: Ctx, q: { limit: number; cursor?: string; subjectId?: string; type?: string }) {
  assertAdmin(ctx.actor);
  const after = decodeCursor(q.cursor, [z.number().int()] as const);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    let query = trx.selectFrom('audit_events').selectAll();
    if (q.subjectId) query = query.where('subject_id', '=', q.subjectId);
    if (q.type?.endsWith('.')) query = query.where('type', 'like', `${q.type.replace(/_/g, '\\_')}%`);
    else if (q.type) query = query.where('type', '=', q.type);
    if (after) query = query.where('id', '<', after[0]);
    const rows = await query.orderBy('id', 'desc').limit(q.limit + 1).execute();
    return toPage(
      rows,
      q.limit,
      (r) => ({
        id: String(r.id),
        occurredAt: r.occurred_at.toISOString(),
        type: r.type,
        actorType: r.actor_type,
        actorId: r.actor_id,
        subjectType: r.subject_type,
        subjectId: r.subject_id,
        payload: r.payload,
        ip: r.ip,
        userAgent: r.user_agent,
      }),
      (r) => [Number(r.id)],
    );
  });
}
