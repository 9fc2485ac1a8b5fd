import { randomBytes } from 'node:crypto';
import { assertAdmin, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { presentWebhookEndpoint } from './webhook.presenter.ts';
import type { WebhookEventType } from './webhook.table.ts';
import { checkWebhookUrl } from './webhook-url.ts';

/** Registers an endpoint; the answer carries the signing secret, the only time it is shown. */
export async function createWebhookEndpoint(
  db: Db,
  ctx: Ctx,
  input: { url: string; events: WebhookEventType[]; description?: string | null },
  env: 'development' | 'production' | 'test',
  now: Date,
) {
  assertAdmin(ctx.actor);
  const url = checkWebhookUrl(input.url, env);
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const row = await trx
      .insertInto('webhook_endpoints')
      .values({
        organisation_id: ctx.actor.organisationId,
        url,
        secret,
        events: [...new Set(input.events)],
        description: input.description ?? null,
        created_by: ctx.actor.kind === 'person' ? ctx.actor.personId : null,
        created_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, { type: 'webhook.created', subjectType: 'webhook_endpoint', subjectId: row.id, payload: { url, events: row.events } });
    return { ...presentWebhookEndpoint(row), secret };
  });
}
