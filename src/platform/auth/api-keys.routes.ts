import { z } from 'zod';
import { problemResponses } from '../http/responses.ts';
import type { AppDeps, ZodApp } from '../http/types.ts';
import { apiKeyCreateSchema, apiKeyIdParamsSchema, apiKeyListQuerySchema, apiKeyPageSchema, createdApiKeySchema } from './api-keys.schemas.ts';
import { requireCtx } from './authenticate.ts';
import { createApiKey } from './create-api-key.ts';
import { listApiKeys } from './list-api-keys.ts';
import { revokeApiKey } from './revoke-api-key.ts';

/** Organisation API keys (signed-in admins). */
export async function apiKeyRoutes(app: ZodApp, { db, clock }: AppDeps): Promise<void> {
  const tags = ['api-keys'];
  app.get('/api-keys', { schema: { tags, summary: 'List API keys (never the keys themselves)', querystring: apiKeyListQuerySchema, response: { 200: apiKeyPageSchema, ...problemResponses } } }, (req) =>
    listApiKeys(db, requireCtx(req), req.query),
  );
  app.post(
    '/api-keys',
    {
      // The answer holds the secret key: it must not be kept for Idempotency-Key replays.
      onRequest: async (req) => {
        delete req.headers['idempotency-key'];
      },
      schema: { tags, summary: 'Create an API key (the key is shown once)', body: apiKeyCreateSchema, response: { 201: createdApiKeySchema, ...problemResponses } },
    },
    async (req, reply) => reply.code(201).send(await createApiKey(db, requireCtx(req), req.body)),
  );
  app.delete('/api-keys/:id', { schema: { tags, summary: 'Revoke an API key', params: apiKeyIdParamsSchema, response: { 204: z.null(), ...problemResponses } } }, async (req, reply) => {
    await revokeApiKey(db, clock, requireCtx(req), req.params.id);
    return reply.code(204).send(null);
  });
}
