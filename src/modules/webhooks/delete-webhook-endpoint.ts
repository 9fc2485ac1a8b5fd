import { assertAdmin, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';

/** Removes an endpoint and its delivery log; pending deliveries are dropped with it. */
export async function deleteWebhookEndpoint(db: Db, ctx: Ctx, id: string): Promise<void> {
  assertAdmin(ctx.actor);
  await withTenant(db, ctx.actor.organisationId, async (trx) => {
    const row = await trx.deleteFrom('webhook_endpoints').where('id', '=', id).returning(['id', 'url']).executeTakeFirst();
    if (!row) throw notFound('Webhook endpoint');
    await recordAuditEvent(trx, ctx, { type: 'webhook.deleted', subjectType: 'webhook_endpoint', subjectId: row.id, payload: { url: row.url } });
  });
}
