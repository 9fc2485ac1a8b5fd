import { z } from 'zod';
import { pageQuerySchema, pageSchema } from '../../platform/http/pagination.ts';

/** Contract of the catalogue endpoints: zod in/out, also the OpenAPI source and the web app's types. */
const text = (max: number) => z.string().trim().min(1).max(max);

export const idParamsSchema = z.object({ id: z.uuid() });

export const programSchema = z
  .object({
    id: z.uuid(),
    code: z.string().nullable(),
    title: z.string(),
    objectives: z.string(),
    plannedHours: z.number(),
    funder: z.string().nullable(),
    fundingReference: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    archivedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'Program' });

export const programCreateSchema = z.strictObject({
  code: text(50).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only').optional(),
  title: text(300),
  objectives: z.string().max(10_000).optional(),
  plannedHours: z.number().min(0).max(10_000).optional(),
  funder: text(200).nullable().optional(),
  fundingReference: text(200).nullable().optional(),
});

export const programUpdateSchema = programCreateSchema.partial().extend({ archived: z.boolean().optional() }).strict();

export const programListQuerySchema = pageQuerySchema.extend({
  q: z.string().max(200).optional(),
  includeArchived: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});

export const programPageSchema = pageSchema(programSchema);
