import { z } from 'zod';
import { itemMessage, schemaIssue } from '../../platform/errors/problem-items.ts';
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
  code: text(50).regex(/^[A-Za-z0-9._-]+$/, itemMessage('code_format')).optional(),
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

/** The years a date may fall in: outside them a date is a typo or a probe, and date arithmetic could overflow. */
export const DATE_YEARS = { min: 1900, max: 2199 } as const;

/**
 * A calendar date 'YYYY-MM-DD' that exists (2026-02-30 does not) in a year of DATE_YEARS; one error only, the
 * format's when it is wrong.
 */
export const isoDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: itemMessage('date_format'), abort: true })
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, { message: itemMessage('date_not_calendar'), abort: true })
  .refine((s) => Number(s.slice(0, 4)) >= DATE_YEARS.min && Number(s.slice(0, 4)) <= DATE_YEARS.max, schemaIssue('date_out_of_range', { params: DATE_YEARS }));

/** An instant in ISO 8601 with its offset ('2026-03-02T09:00:00+01:00' or '…Z'), in a year of DATE_YEARS. */
export const isoInstantSchema = z.iso.datetime({ offset: true }).refine((s) => {
  const year = new Date(s).getUTCFullYear();
  return year >= DATE_YEARS.min && year <= DATE_YEARS.max;
}, schemaIssue('date_out_of_range', { params: DATE_YEARS }));

/** A wall-clock time 'HH:MM' (00:00 to 23:59). */
export const timeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, itemMessage('time_format'));

// Modules ------------------------------------------------------------------

export const moduleSchema = z
  .object({ id: z.uuid(), programId: z.uuid(), title: z.string(), position: z.number().int(), plannedHours: z.number() })
  .meta({ id: 'Module' });

export const moduleCreateSchema = z.strictObject({
  title: text(300),
  position: z.number().int().min(0).max(10_000).optional(),
  plannedHours: z.number().min(0).max(10_000).optional(),
});

export const moduleUpdateSchema = moduleCreateSchema.partial().strict();

export const moduleListSchema = pageSchema(moduleSchema);

// Cohorts ------------------------------------------------------------------

export const cohortSchema = z
  .object({
    id: z.uuid(),
    programId: z.uuid(),
    programTitle: z.string(),
    name: z.string(),
    startsOn: z.string().nullable(),
    endsOn: z.string().nullable(),
    trainerIds: z.array(z.uuid()),
    learnerCount: z.number().int(),
    archivedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'Cohort' });

const endsAfterStarts = (v: { startsOn?: string | null; endsOn?: string | null }) => !v.startsOn || !v.endsOn || v.endsOn >= v.startsOn;
const endsAfterStartsIssue = schemaIssue('ends_before_start', { path: ['endsOn'], params: { start: 'startsOn' } });

export const cohortCreateSchema = z
  .strictObject({
    programId: z.uuid(),
    name: text(200),
    startsOn: isoDateSchema.nullable().optional(),
    endsOn: isoDateSchema.nullable().optional(),
  })
  .refine(endsAfterStarts, endsAfterStartsIssue);

export const cohortUpdateSchema = z
  .strictObject({
    name: text(200).optional(),
    startsOn: isoDateSchema.nullable().optional(),
    endsOn: isoDateSchema.nullable().optional(),
    archived: z.boolean().optional(),
  })
  .refine(endsAfterStarts, endsAfterStartsIssue);

export const cohortTrainersSchema = z.strictObject({ trainerIds: z.array(z.uuid()).max(50) });

export const cohortListQuerySchema = pageQuerySchema.extend({
  programId: z.uuid().optional(),
  q: z.string().max(200).optional(),
  includeArchived: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});

export const cohortPageSchema = pageSchema(cohortSchema);

// Enrolments ---------------------------------------------------------------

export const ENROLMENT_STATUSES = ['active', 'completed', 'withdrawn'] as const;

export const enrolmentSchema = z
  .object({
    id: z.uuid(),
    cohortId: z.uuid(),
    personId: z.uuid(),
    person: z.object({ givenName: z.string(), familyName: z.string(), email: z.string() }),
    status: z.enum(ENROLMENT_STATUSES),
    walkIn: z.boolean(),
    enrolledAt: z.iso.datetime(),
    withdrawnAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'Enrolment' });

export const enrolmentCreateSchema = z.strictObject({ personId: z.uuid() });
export const enrolmentUpdateSchema = z.strictObject({ status: z.enum(ENROLMENT_STATUSES) });
export const enrolmentListQuerySchema = pageQuerySchema.extend({ status: z.enum(ENROLMENT_STATUSES).optional() });
export const enrolmentPageSchema = pageSchema(enrolmentSchema);

// Sessions -----------------------------------------------------------------

export const SESSION_STATUSES = ['planned', 'cancelled'] as const;

export const sessionSchema = z
  .object({
    id: z.uuid(),
    cohortId: z.uuid(),
    cohortName: z.string(),
    programTitle: z.string(),
    moduleId: z.uuid().nullable(),
    moduleTitle: z.string().nullable(),
    date: z.string().meta({ description: 'Local date in the organisation time zone' }),
    halfDay: z.enum(['am', 'pm']),
    startTime: z.string(),
    endTime: z.string(),
    startsAt: z.iso.datetime(),
    endsAt: z.iso.datetime(),
    timezone: z.string(),
    location: z.string().nullable(),
    remoteUrl: z.string().nullable(),
    capacity: z.number().int().nullable(),
    status: z.enum(SESSION_STATUSES),
    trainerIds: z.array(z.uuid()),
    holiday: z.string().nullable().meta({ description: 'Name of the French public holiday on that date, if any' }),
  })
  .meta({ id: 'Session' });

const sessionDetails = {
  moduleId: z.uuid().nullable().optional(),
  location: text(300).nullable().optional(),
  remoteUrl: z.url({ protocol: /^https?$/ }).max(2000).nullable().optional(),
  capacity: z.number().int().min(1).max(10_000).nullable().optional(),
  trainerIds: z.array(z.uuid()).max(20).optional(),
};

const endAfterStart = (v: { startTime?: string; endTime?: string }) => !v.startTime || !v.endTime || v.endTime > v.startTime;
const endAfterStartIssue = schemaIssue('end_not_after_start', { path: ['endTime'], params: { start: 'startTime' } });

export const sessionCreateSchema = z
  .strictObject({ cohortId: z.uuid(), date: isoDateSchema, startTime: timeSchema, endTime: timeSchema, ...sessionDetails })
  .refine(endAfterStart, endAfterStartIssue);

export const sessionUpdateSchema = z
  .strictObject({ date: isoDateSchema.optional(), startTime: timeSchema.optional(), endTime: timeSchema.optional(), status: z.enum(SESSION_STATUSES).optional(), ...sessionDetails })
  .refine(endAfterStart, endAfterStartIssue);

export const MAX_CALENDAR_DAYS = 62;

export const sessionListQuerySchema = pageQuerySchema
  .extend({ from: isoDateSchema, to: isoDateSchema, cohortId: z.uuid().optional(), trainerId: z.uuid().optional() })
  .superRefine((v, ctx) => {
    const days = (Date.parse(`${v.to}T00:00:00Z`) - Date.parse(`${v.from}T00:00:00Z`)) / 86_400_000;
    if (days < 0) ctx.addIssue({ code: 'custom', ...schemaIssue('ends_before_start', { path: ['to'], params: { start: 'from' } }) });
    else if (days > MAX_CALENDAR_DAYS) ctx.addIssue({ code: 'custom', ...schemaIssue('range_too_long', { path: ['to'], params: { days: MAX_CALENDAR_DAYS, start: 'from' } }) });
  });

export const sessionPageSchema = pageSchema(sessionSchema);

const slotSchema = z.strictObject({ startTime: timeSchema, endTime: timeSchema }).refine(endAfterStart, endAfterStartIssue);

export const sessionGenerateSchema = z
  .strictObject({
    from: isoDateSchema,
    weeks: z.number().int().min(1).max(52),
    weekdays: z.array(z.number().int().min(1).max(7)).min(1).max(7).meta({ description: 'ISO weekdays: 1 = Monday … 7 = Sunday' }),
    slots: z.array(slotSchema).min(1).max(2),
    skipHolidays: z.boolean().default(true),
    dryRun: z.boolean().default(false),
    ...sessionDetails,
  })
  .superRefine((v, ctx) => {
    const halves = v.slots.map((s) => (Number(s.startTime.slice(0, 2)) < 13 ? 'am' : 'pm'));
    if (halves.length === 2 && halves[0] === halves[1]) {
      ctx.addIssue({ code: 'custom', ...schemaIssue('slots_same_half_day', { path: ['slots', 1] }) });
    }
  });

export const sessionGenerateResultSchema = z
  .object({
    created: z.number().int(),
    sessions: z.array(sessionSchema.extend({ id: z.uuid().nullable().meta({ description: 'null in a dry run' }) })),
    skipped: z.array(z.object({ date: z.string(), halfDay: z.enum(['am', 'pm']), reason: z.enum(['holiday', 'exists']), holiday: z.string().optional() })),
  })
  .meta({ id: 'SessionGenerateResult' });

export const walkInSchema = z.strictObject({
  email: z.string().trim().toLowerCase().pipe(z.email(itemMessage('email_format')).max(254)),
  givenName: text(100),
  familyName: text(100),
});
