import { z } from 'zod';
import { pageQuerySchema, pageSchema } from '../../platform/http/pagination.ts';
import { WEBHOOK_EVENT_TYPES } from './webhook.table.ts';

export const webhookIdParamsSchema = z.object({ id: z.uuid() });

export const webhookEndpointSchema = z
  .object({
    id: z.uuid(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    description: z.string().nullable(),
    active: z.boolean(),
    secretHint: z.string(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'WebhookEndpoint' });

export const webhookEndpointCreatedSchema = webhookEndpointSchema
  .extend({ secret: z.string().describe('The signing secret: shown only in this answer. Verify `Emarge-Signature` with it.') })
  .meta({ id: 'WebhookEndpointCreated' });

export const webhookEndpointCreateSchema = z.strictObject({
  url: z.string().trim().min(8).max(2000).describe('https URL (http only to localhost outside production)'),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length),
  description: z.string().trim().min(1).max(500).nullable().optional(),
});

export const webhookEndpointPageSchema = pageSchema(webhookEndpointSchema);

export const webhookDeliverySchema = z
  .object({
    id: z.uuid(),
    endpointId: z.uuid(),
    eventId: z.string(),
    eventType: z.enum(WEBHOOK_EVENT_TYPES),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    nextAttemptAt: z.iso.datetime().nullable(),
    responseStatus: z.number().int().nullable(),
    responseBodyExcerpt: z.string().nullable(),
    lastError: z.string().nullable(),
    payload: z.record(z.string(), z.unknown()),
    createdAt: z.iso.datetime(),
    deliveredAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'WebhookDelivery' });

export const webhookDeliveryListQuerySchema = pageQuerySchema.extend({ status: z.enum(['pending', 'delivered', 'failed']).optional() });
export const webhookDeliveryPageSchema = pageSchema(webhookDeliverySchema);
