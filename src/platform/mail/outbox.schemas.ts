import { z } from 'zod';
import { pageQuerySchema, pageSchema } from '../http/pagination.ts';

export const MAIL_STATUSES = ['pending', 'sent', 'failed', 'stored'] as const;

export const outboxMailSchema = z
  .object({
    id: z.uuid(),
    to: z.string(),
    subject: z.string(),
    text: z.string(),
    html: z.string().nullable(),
    status: z.enum(MAIL_STATUSES),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    createdAt: z.iso.datetime(),
    sentAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'OutboxMail' });

export const outboxListQuerySchema = pageQuerySchema.extend({
  status: z.enum(MAIL_STATUSES).optional(),
});

export const outboxPageSchema = pageSchema(outboxMailSchema);

export const outboxIdParamsSchema = z.object({ id: z.uuid() });
