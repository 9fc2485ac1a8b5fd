import { z } from 'zod';
import { itemMessage, schemaIssue } from '../../platform/errors/problem-items.ts';
import { DATE_YEARS, isoDateSchema } from '../catalogue/catalogue.schemas.ts';

/** Contract of the documents endpoints (sheets, certificates, seal, verification, exports). */

export const idParamsSchema = z.object({ id: z.uuid() });
export const certificateParamsSchema = z.object({ id: z.uuid(), programId: z.uuid() });
export const codeParamsSchema = z.object({ code: z.string().trim().min(4).max(32).regex(/^[A-Za-z0-9]+$/, 'letters and digits only') });
export const jobParamsSchema = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
export const exportParamsSchema = z.object({ jobId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

export const sealSchema = z
  .object({
    fingerprint: z.string(),
    subject: z.string(),
    issuer: z.string(),
    serialNumber: z.string(),
    validFrom: z.iso.datetime(),
    validTo: z.iso.datetime(),
    selfSigned: z.boolean(),
    keyType: z.string(),
    keyBits: z.number().int().nullable(),
  })
  .meta({ id: 'OrganisationSeal' });

export const sealUploadSchema = z.strictObject({
  p12: z.string().min(1).max(100_000).describe('The PKCS#12 (.p12/.pfx) file, base64'),
  passphrase: z.string().max(1000),
});

const isoWeek = z
  .string()
  .regex(/^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/, { message: itemMessage('week_format'), abort: true })
  .refine((w) => Number(w.slice(0, 4)) >= DATE_YEARS.min && Number(w.slice(0, 4)) <= DATE_YEARS.max, schemaIssue('date_out_of_range', { params: DATE_YEARS }));

export const weeklySheetQuerySchema = z
  .strictObject({ week: isoWeek.optional(), from: isoDateSchema.optional() })
  .refine((q) => q.week === undefined || q.from === undefined, schemaIssue('week_or_from', { path: ['week'] }));

export const exportRequestSchema = z.strictObject({
  kind: z.enum(['sheets', 'certificates']),
});

export const jobAcceptedSchema = z.object({ jobId: z.number().int(), status: z.string(), statusUrl: z.string(), downloadUrl: z.string() }).meta({ id: 'ExportAccepted' });

export const jobSchema = z
  .object({
    id: z.number().int(),
    type: z.string(),
    status: z.enum(['queued', 'running', 'done', 'failed']),
    progress: z.object({ done: z.number().int(), total: z.number().int() }).nullable(),
    result: z.record(z.string(), z.unknown()).nullable(),
    error: z.string().nullable(),
    createdAt: z.iso.datetime(),
    finishedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'Job' });

const attestsSchema = z.record(z.string(), z.unknown());

const issuedSchema = z.object({
  kind: z.enum(['session_sheet', 'weekly_sheet', 'certificate']),
  organisation: z.string(),
  verificationCode: z.string(),
  version: z.number().int().nullable(),
  latestVersion: z.number().int().nullable(),
  isLatestVersion: z.boolean().nullable(),
  currentSheetStatus: z.string().nullable(),
  issuedAt: z.iso.datetime(),
  sha256: z.string(),
  sealFingerprint: z.string(),
  attests: attestsSchema,
});

export const verifyCodeResultSchema = issuedSchema.extend({ valid: z.boolean(), issuedCopies: z.number().int() }).meta({ id: 'VerificationByCode' });

export const verifyPdfResultSchema = z
  .object({
    valid: z.boolean(),
    intact: z.boolean(),
    coversWholeDocument: z.boolean(),
    reason: z.string().nullable(),
    sealedBy: z
      .object({ commonName: z.string().nullable(), organisation: z.string().nullable(), fingerprint: z.string(), validFrom: z.string(), validTo: z.string() })
      .nullable(),
    signingTime: z.string().nullable(),
    sha256: z.string(),
    matchesIssuedDocument: z.boolean(),
    claimedVerificationCode: z.string().nullable(),
    document: issuedSchema.nullable(),
  })
  .meta({ id: 'VerificationOfPdf' });
