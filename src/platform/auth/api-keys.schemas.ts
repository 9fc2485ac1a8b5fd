import { z } from 'zod';
import { itemMessage } from '../errors/problem-items.ts';
import { pageQuerySchema, pageSchema } from '../http/pagination.ts';

/** Contract of the API key endpoints (admins). */
export const apiKeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    scope: z.enum(['read', 'write']),
    prefix: z.string(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'ApiKey' });

/** The creation answer: the only time the key itself is shown. */
export const createdApiKeySchema = apiKeySchema.extend({ key: z.string() }).meta({ id: 'CreatedApiKey' });

export const apiKeyCreateSchema = z.strictObject({
  name: z.string().trim().min(1, itemMessage('value_required')).max(100, itemMessage('too_long')),
  scope: z.enum(['read', 'write']),
});

export const apiKeyListQuerySchema = pageQuerySchema.extend({
  includeRevoked: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});

export const apiKeyPageSchema = pageSchema(apiKeySchema);
export const apiKeyIdParamsSchema = z.object({ id: z.uuid() });
