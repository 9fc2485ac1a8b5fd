import { z } from 'zod';
import { passwordProblem } from '../../platform/auth/password.ts';
import { itemMessage, schemaIssue } from '../../platform/errors/problem-items.ts';
import { pageQuerySchema, pageSchema } from '../../platform/http/pagination.ts';
import { ROLES } from './person.table.ts';

/** Contract of the people endpoints. */
const text = (max: number) => z.string().trim().min(1).max(max);

export const emailSchema = z.string().trim().toLowerCase().pipe(z.email(itemMessage('email_format')).max(254));

const passwordSchema = z.string().superRefine((value, ctx) => {
  const problem = passwordProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', ...schemaIssue(problem.code, { params: problem.params }) });
});

const rolesSchema = z
  .array(z.enum(ROLES))
  .min(1, itemMessage('roles_required'))
  .max(ROLES.length)
  .transform((roles) => [...new Set(roles)]);

export const personSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    givenName: z.string(),
    familyName: z.string(),
    phone: z.string().nullable(),
    externalRef: z.string().nullable(),
    roles: z.array(z.enum(ROLES)),
    createdAt: z.iso.datetime(),
    archivedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'Person' });

export const personCreateSchema = z.strictObject({
  email: emailSchema,
  givenName: text(100),
  familyName: text(100),
  phone: text(40).nullable().optional(),
  externalRef: text(100).nullable().optional(),
  roles: rolesSchema,
  password: passwordSchema.optional(),
});

export const personUpdateSchema = z.strictObject({
  email: emailSchema.optional(),
  givenName: text(100).optional(),
  familyName: text(100).optional(),
  phone: text(40).nullable().optional(),
  externalRef: text(100).nullable().optional(),
  roles: rolesSchema.optional(),
  password: passwordSchema.nullable().optional(),
  archived: z.boolean().optional(),
});

export const personListQuerySchema = pageQuerySchema.extend({
  role: z.enum(ROLES).optional(),
  q: z.string().max(200).optional(),
  cohortId: z.uuid().optional(),
  includeArchived: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});

export const personPageSchema = pageSchema(personSchema);
