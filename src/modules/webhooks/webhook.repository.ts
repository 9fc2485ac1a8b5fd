import type { Selectable } from 'kysely';
import type { Tx } from '../../platform/db/tenant.ts';
import type { WebhookDeliveriesTable, WebhookEndpointsTable } from './webhook.table.ts';

export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;

export function getWebhookEndpointById(trx: Tx, id: string): Promise<WebhookEndpointRow | undefined> {
  return trx.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Endpoints, newest first, after the keyset `after`. */
export function findWebhookEndpoints(trx: Tx, opts: { limit: number; after: readonly [string, string] | null }): Promise<WebhookEndpointRow[]> {
  let q = trx.selectFrom('webhook_endpoints').selectAll();
  if (opts.after) {
    const [createdAt, id] = opts.after;
    q = q.where((eb) => eb.or([eb('created_at', '<', new Date(createdAt)), eb.and([eb('created_at', '=', new Date(createdAt)), eb('id', '<', id)])]));
  }
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit + 1).execute();
}

/** An endpoint's deliveries, newest first. */
export function findWebhookDeliveries(trx: Tx, endpointId: string, opts: { limit: number; after: readonly [string, string] | null; status?: string }): Promise<WebhookDeliveryRow[]> {
  let q = trx.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId);
  if (opts.status) q = q.where('status', '=', opts.status as WebhookDeliveryRow['status']);
  if (opts.after) {
    const [createdAt, id] = opts.after;
    q = q.where((eb) => eb.or([eb('created_at', '<', new Date(createdAt)), eb.and([eb('created_at', '=', new Date(createdAt)), eb('id', '<', id)])]));
  }
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit + 1).execute();
}
