import { z } from 'zod';
import { CSV_ENCODINGS } from './csv-file.ts';

/** Contract of the CSV import endpoints: zod in/out, also the OpenAPI source and the web app's types. */
const flag = (byDefault: boolean) =>
  z
    .enum(['true', 'false'])
    .default(byDefault ? 'true' : 'false')
    .transform((v) => v === 'true');

const commonQuery = {
  cohortId: z.uuid(),
  dryRun: flag(true).describe('true (default): validate and preview, write nothing'),
  allowPartial: flag(false).describe('true: import the valid lines and list the invalid ones; false (default): any error imports nothing'),
  encoding: z.enum(CSV_ENCODINGS).optional().describe('utf-8 (default, with or without BOM) or windows-1252; a windows-1252 charset in Content-Type is honoured too'),
};

export const learnersImportQuerySchema = z.strictObject(commonQuery);
export const sessionsImportQuerySchema = z.strictObject({
  ...commonQuery,
  allowHolidays: flag(false).describe('true: a session on a French public holiday is accepted instead of being an error'),
});

const rowErrorFields = {
  column: z.string().nullable(),
  code: z.string().optional().meta({ description: 'Stable code of the error (e.g. value_empty, date_unreadable), for messages in the reader\'s language' }),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  message: z.string(),
};

export const importErrorSchema = z
  .object({ line: z.number().int(), ...rowErrorFields })
  .meta({ id: 'ImportError' });

export const IMPORT_ROW_STATUSES = ['create', 'update', 'exists', 'error'] as const;
export type ImportRowStatus = (typeof IMPORT_ROW_STATUSES)[number];

export const importPreviewSchema = z
  .object({
    kind: z.enum(['learners', 'sessions']),
    dryRun: z.literal(true),
    delimiter: z.enum([',', ';', '\t']),
    columns: z.array(z.object({ name: z.string(), header: z.string() })).describe('recognised columns in file order: canonical name and header as written'),
    ignoredColumns: z.array(z.string()).describe('headers that match no column (ignored)'),
    rows: z.array(
      z.object({
        line: z.number().int(),
        values: z.record(z.string(), z.string()),
        status: z.enum(IMPORT_ROW_STATUSES).describe("create; update (learner already in the organisation); exists (identical session already planned: skipped); error"),
        errors: z.array(z.object(rowErrorFields)),
      }),
    ),
    errors: z.array(importErrorSchema),
    summary: z.object({
      total: z.number().int(),
      valid: z.number().int(),
      invalid: z.number().int(),
      create: z.number().int(),
      update: z.number().int(),
      exists: z.number().int(),
    }),
  })
  .meta({ id: 'ImportPreview' });

export const importCommitSchema = z
  .object({
    kind: z.enum(['learners', 'sessions']),
    dryRun: z.literal(false),
    created: z.number().int(),
    updated: z.number().int(),
    enrolled: z.number().int().describe('learners newly enrolled in the cohort'),
    existing: z.number().int().describe('sessions identical to one already planned (skipped)'),
    skippedLines: z.array(z.number().int()).describe('lines not imported because of their errors (allowPartial=true)'),
    errors: z.array(importErrorSchema),
  })
  .meta({ id: 'ImportResult' });

export type ImportPreview = z.infer<typeof importPreviewSchema>;
export type ImportCommit = z.infer<typeof importCommitSchema>;
export type ImportError = z.infer<typeof importErrorSchema>;
