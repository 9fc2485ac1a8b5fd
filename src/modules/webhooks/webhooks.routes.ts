import { z } from 'zod';
import { requireCtx } from '../../platform/auth/authenticate.ts';
import { pageQuerySchema } from '../../platform/http/pagination.ts';
import { problemResponses } from '../../platform/http/responses.ts';
import type { AppDeps, ZodApp } from '../../platform/http/types.ts';
import { createWebhookEndpoint } from './create-webhook-endpoint.ts';
import { deleteWebhookEndpoint } from './delete-webhook-endpoint.ts';
import { listWebhookDeliveries, listWebhookEndpoints } from './list-webhook-endpoints.ts';
import {
  webhookDeliveryListQuerySchema,
  webhookDeliveryPageSchema,
  webhookEndpointCreatedSchema,
  webhookEndpointCreateSchema,
  webhookEndpointPageSchema,
  webhookIdParamsSchema,
} from './webhooks.schemas.ts';

const DELIVERY_DOC =
  'Each event is POSTed as JSON {id, type, createdAt, organisationId, data} with headers Emarge-Event-Id and ' +
  'Emarge-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>. Answer 2xx within 10 s; otherwise it is retried ' +
  'after 1 min, 5 min, 30 min, 2 h and 12 h (6 attempts), then marked failed. Deduplicate on the event id.';

/** Outgoing webhooks (admin): endpoints and their delivery log. */
export async function webhookRoutes(app: ZodApp, { db, config, clock }: AppDeps): Promise<void> {
  const tags = ['webhooks'];
  app.get('/webhooks', { schema: { tags, summary: 'List webhook endpoints', querystring: pageQuerySchema, response: { 200: webhookEndpointPageSchema, ...problemResponses } } }, (req) =>
    listWebhookEndpoints(db, requireCtx(req), req.query),
  );
  app.post(
    '/webhooks',
    { schema: { tags, summary: 'Register a webhook endpoint (the secret is shown once)', description: DELIVERY_DOC, body: webhookEndpointCreateSchema, response: { 201: webhookEndpointCreatedSchema, ...problemResponses } } },
    async (req, reply) => reply.code(201).send(await createWebhookEndpoint(db, requireCtx(req), req.body, config.env, clock.now())),
  );
  app.delete('/webhooks/:id', { schema: { tags, summary: 'Delete a webhook endpoint and its delivery log', params: webhookIdParamsSchema, response: { 204: z.null(), ...problemResponses } } }, async (req, reply) => {
    await deleteWebhookEndpoint(db, requireCtx(req), req.params.id);
    return reply.code(204).send(null);
  });
  app.get(
    '/webhooks/:id/deliveries',
    { schema: { tags, summary: "An endpoint's delivery log, newest first", params: webhookIdParamsSchema, querystring: webhookDeliveryListQuerySchema, response: { 200: webhookDeliveryPageSchema, ...problemResponses } } },
    (req) => listWebhookDeliveries(db, requireCtx(req), req.params.id, req.query),
  );
}
