import type { WebhookDeliveryRow, WebhookEndpointRow } from './webhook.repository.ts';

/** An endpoint without its secret (shown once, at creation only). */
export function presentWebhookEndpoint(row: WebhookEndpointRow) {
  return {
    id: row.id,
    url: row.url,
    events: [...row.events],
    description: row.description,
    active: row.active,
    secretHint: `${row.secret.slice(0, 10)}…`,
    createdAt: row.created_at.toISOString(),
  };
}

export function presentWebhookDelivery(row: WebhookDeliveryRow) {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? (row.next_attempt_at?.toISOString() ?? null) : null,
    responseStatus: row.response_status,
    responseBodyExcerpt: row.response_body_excerpt,
    lastError: row.last_error,
    payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
    createdAt: row.created_at.toISOString(),
    deliveredAt: row.delivered_at?.toISOString() ?? null,
  };
}
