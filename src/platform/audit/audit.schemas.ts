import { z } from 'zod';
import { pageQuerySchema, pageSchema } from '../http/pagination.ts';

export const auditEventSchema = z
  .object({
    id: z.string().describe('Increasing: a later event has a larger id'),
    occurredAt: z.iso.datetime(),
    type: z.string(),
    actorType: z.enum(['person', 'api_key', 'system']),
    actorId: z.uuid().nullable(),
    subjectType: z.string().nullable(),
    subjectId: z.uuid().nullable(),
    payload: z.record(z.string(), z.unknown()),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
  })
  .meta({ id: 'AuditEvent' });

export const auditListQuerySchema = pageQuerySchema.extend({
  subjectId: z.uuid().optional(),
  type: z
    .string()
    .max(100)
    .regex(/^[a-z_]+(\.[a-z_]+)*\.?$/, 'an event type such as "auth.signed_in", or a prefix ending with a dot such as "auth."')
    .optional(),
});

export const auditPageSchema = pageSchema(auditEventSchema);
