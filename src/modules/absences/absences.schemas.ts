import { z } from 'zod';
import { itemMessage } from '../../platform/errors/problem-items.ts';
import { pageQuerySchema, pageSchema } from '../../platform/http/pagination.ts';
import { JUSTIFICATION_FILE_TYPES } from './absence.table.ts';

export const justificationIdParamsSchema = z.object({ id: z.uuid() });

export const justificationSchema = z
  .object({
    id: z.uuid(),
    personId: z.uuid(),
    personName: z.string(),
    reason: z.string(),
    status: z.enum(['pending', 'accepted', 'refused']),
    sessions: z.array(
      z.object({ id: z.uuid(), date: z.string(), halfDay: z.string(), startsAt: z.iso.datetime(), endsAt: z.iso.datetime(), programTitle: z.string(), moduleTitle: z.string().nullable() }),
    ),
    file: z.object({ type: z.enum(JUSTIFICATION_FILE_TYPES), size: z.number().int(), sha256: z.string(), name: z.string().nullable() }).nullable(),
    createdAt: z.iso.datetime(),
    reviewedAt: z.iso.datetime().nullable(),
    reviewedBy: z.uuid().nullable(),
    reviewNote: z.string().nullable(),
  })
  .meta({ id: 'AbsenceJustification' });

export const justificationReviewedSchema = justificationSchema
  .extend({ excusedSessionIds: z.array(z.uuid()), notExcusedSessionIds: z.array(z.uuid()).describe('sessions the learner signed present: left unchanged') })
  .meta({ id: 'AbsenceJustificationReviewed' });

export const justificationPageSchema = pageSchema(justificationSchema);

export const justificationListQuerySchema = pageQuerySchema.extend({
  status: z.enum(['pending', 'accepted', 'refused']).optional(),
  personId: z.uuid().optional().describe('staff only; learners always see their own'),
});

/** The multipart fields, once collected (the file is handled apart). */
export const justificationFieldsSchema = z.strictObject({
  reason: z.string().trim().min(1, itemMessage('value_required')).max(5000),
  sessionIds: z
    .array(z.uuid('must be a session id'))
    .min(1, itemMessage('sessions_required'))
    .max(50)
    .refine((ids) => new Set(ids).size === ids.length, itemMessage('sessions_repeated')),
});

export const justificationReviewSchema = z.strictObject({
  decision: z.enum(['accepted', 'refused']),
  note: z.string().trim().min(1).max(2000).nullable().optional(),
});
