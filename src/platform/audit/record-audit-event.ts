import { type Ctx, auditActor } from '../auth/actor.ts';
import type { Tx } from '../db/tenant.ts';
import type { AuditEvent } from './audit-events.ts';

/** Appends one audit event in the caller's transaction (the same one as the change it records). */
export async function recordAuditEvent(trx: Tx, ctx: Ctx, event: AuditEvent): Promise<void> {
  await trx
    .insertInto('audit_events')
    .values({
      organisation_id: ctx.actor.organisationId,
      type: event.type,
      ...auditActor(ctx.actor),
      subject_type: event.subjectType ?? null,
      subject_id: event.subjectId ?? null,
      payload: JSON.stringify(event.payload),
      ip: ctx.meta.ip,
      user_agent: ctx.meta.userAgent,
    })
    .execute();
}
