import type { Generated } from 'kysely';
import type { CreatedAt, Json, NullableTimestamp } from '../../platform/db/schema.ts';

export const WEBHOOK_EVENT_TYPES = ['signature.created', 'sheet.locked', 'absence.justified', 'evidence.batch_sealed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface WebhookEndpointsTable {
  organisation_id: string;
  id: Generated<string>;
  url: string;
  /** Kept in clear: it signs every delivery. Shown once, at creation. */
  secret: string;
  events: WebhookEventType[];
  description: string | null;
  active: Generated<boolean>;
  created_by: string | null;
  created_at: CreatedAt;
}

/** The body sent to the receiver (stored once per event and endpoint). */
export interface WebhookPayload {
  id: string;
  type: WebhookEventType;
  createdAt: string;
  organisationId: string;
  data: Record<string, unknown>;
}

export interface WebhookDeliveriesTable {
  organisation_id: string;
  id: Generated<string>;
  endpoint_id: string;
  event_type: WebhookEventType;
  event_id: string;
  payload: Json<WebhookPayload>;
  status: Generated<'pending' | 'delivered' | 'failed'>;
  attempts: Generated<number>;
  /** NULL: due now. While a worker delivers it, a lease in the future. */
  next_attempt_at: NullableTimestamp;
  response_status: number | null;
  response_body_excerpt: string | null;
  last_error: string | null;
  created_at: CreatedAt;
  delivered_at: NullableTimestamp;
}

export interface WebhookTables {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
