import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Tx } from '../../platform/db/tenant.ts';
import type { WebhookEventType, WebhookPayload } from './webhook.table.ts';

export type { WebhookEventType } from './webhook.table.ts';

/**
 * Records one event for every active webhook endpoint of the organisation that
 * subscribes to `type`, in the caller's transaction: the deliveries exist if
 * and only if the change they announce commits. The 'webhooks.deliver' job
 * sends them afterwards (HMAC-signed, retried with backoff, logged).
 *
 * `data` must be JSON-serialisable; ids and times as strings.
 * `opts.occurredAt` defaults to the transaction's database time (kept to the
 * millisecond, so the delivery log's keyset cursors are exact).
 */
export async function emitWebhookEvent(
  trx: Tx,
  organisationId: string,
  type: WebhookEventType,
  data: Record<string, unknown>,
  opts: { occurredAt?: Date } = {},
): Promise<{ eventId: string; deliveries: number }> {
  const eventId = `evt_${randomUUID().replaceAll('-', '')}`;
  const endpoints = await trx
    .selectFrom('webhook_endpoints')
    .select('id')
    .where('organisation_id', '=', organisationId)
    .where('active', '=', true)
    .where(sql<boolean>`${type} = ANY(events)`)
    .execute();
  if (endpoints.length === 0) return { eventId, deliveries: 0 };
  const occurredAt = opts.occurredAt ?? (await sql<{ now: Date }>`SELECT now() AS now`.execute(trx)).rows[0]!.now;
  const payload: WebhookPayload = { id: eventId, type, createdAt: new Date(occurredAt).toISOString(), organisationId, data };
  await trx
    .insertInto('webhook_deliveries')
    .values(endpoints.map((e) => ({ organisation_id: organisationId, endpoint_id: e.id, event_type: type, event_id: eventId, payload: JSON.stringify(payload), created_at: new Date(occurredAt) })))
    .execute();
  return { eventId, deliveries: endpoints.length };
}
