import { z } from 'zod';
import { schemaIssue } from '../../platform/errors/problem-items.ts';
import { pageQuerySchema, pageSchema } from '../../platform/http/pagination.ts';
import { isoDateSchema, isoInstantSchema, MAX_CALENDAR_DAYS } from '../catalogue/catalogue.schemas.ts';
import { ATTENDANCE_STATUSES, SIGNATURE_REVIEWS, SIGNING_METHODS } from './attendance.table.ts';
import { signatureStrokesSchema } from './signature-strokes.ts';

/** Contract of the attendance endpoints (zod in/out; also the OpenAPI source and the web app's types). */

export const sessionIdParamsSchema = z.object({ id: z.uuid() });
export const sessionPersonParamsSchema = z.object({ id: z.uuid(), personId: z.uuid() });

const isoInstant = isoInstantSchema;

export const geolocationSchema = z
  .strictObject({
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    accuracy: z.number().min(0).max(100_000).nullable().optional(),
    consent: z.boolean().meta({ description: 'true only when the learner explicitly agreed, for the purpose the organisation states' }),
  })
  .meta({ description: 'Stored only when the organisation enabled geolocation with a stated purpose AND consent is true' });

export const strokesSchema = signatureStrokesSchema.meta({ id: 'SignatureStrokes', description: 'Pen strokes as captured (canvas pixels, ms); the server renders the PNG itself' });

export const signWithLinkSchema = z.strictObject({ token: z.string().min(20).max(200), strokes: strokesSchema, geolocation: geolocationSchema.nullable().optional() });
export const signWithQrSchema = z
  .strictObject({
    token: z.string().min(20).max(400).optional().meta({ description: 'a current QR token (one step)' }),
    ticket: z.string().min(20).max(1000).optional().meta({ description: 'the ticket from POST /sign/qr/scan (valid 5 minutes)' }),
    strokes: strokesSchema,
    geolocation: geolocationSchema.nullable().optional(),
  })
  .refine((v) => (v.token === undefined) !== (v.ticket === undefined), schemaIssue('token_or_ticket', { path: ['ticket'] }));
export const qrScanSchema = z.strictObject({ token: z.string().min(20).max(400) });
export const qrScanResultSchema = z
  .object({ sessionId: z.uuid(), ticket: z.string(), scannedAt: z.iso.datetime(), expiresAt: z.iso.datetime() })
  .meta({ id: 'QrScanTicket' });
export const kioskSignSchema = z.strictObject({ personId: z.uuid(), strokes: strokesSchema });
export const trainerSignatureSchema = z.strictObject({ strokes: strokesSchema });
export const linkTokenQuerySchema = z.object({ token: z.string().min(20).max(200) });
export const signingLinksRequestSchema = z.strictObject({ personIds: z.array(z.uuid()).min(1).max(1000).optional() });

export const markSchema = z.strictObject({
  status: z.enum(['present', 'late', 'left_early', 'absent']).meta({ description: 'excused is set by accepting a justification' }),
  reason: z.string().trim().min(3).max(2000).optional(),
  leftAt: isoInstant.optional(),
  lateMinutes: z.number().int().min(0).max(24 * 60).optional(),
});

export const reviewSchema = z.strictObject({
  decision: z.enum(['confirm', 'reject']).meta({ description: 'confirm: the learner arrived (present or late from the signing time); reject: the mark stands' }),
  reason: z.string().trim().min(3).max(2000).optional().meta({ description: 'required to reject' }),
});

export const amendmentSchema = z.strictObject({
  personId: z.uuid(),
  status: z.enum(['present', 'late', 'left_early', 'absent', 'excused']),
  reason: z.string().trim().min(3).max(2000),
  lateMinutes: z.number().int().min(0).max(24 * 60).optional(),
  leftAt: isoInstant.optional(),
});

export const signatureProofSchema = z
  .object({
    signatureId: z.uuid(),
    sessionId: z.uuid(),
    personId: z.uuid(),
    status: z.enum(ATTENDANCE_STATUSES),
    lateMinutes: z.number().int().nullable(),
    signedAt: z.iso.datetime(),
    method: z.enum(SIGNING_METHODS),
    strokesSha256: z.string(),
    pngSha256: z.string(),
    replayed: z.boolean().meta({ description: 'true: already signed; this is the first proof and nothing new was recorded' }),
    review: z.enum(SIGNATURE_REVIEWS).nullable().meta({ description: "'pending': the trainer had marked this learner absent or excused; the signature is recorded, the mark (status) stands until the trainer confirms or rejects it" }),
  })
  .meta({ id: 'SignatureProof' });

const windowSchema = z.object({ state: z.enum(['not_open_yet', 'open', 'closed']), opensAt: z.string(), closesAt: z.string(), opensAtLocal: z.string(), closesAtLocal: z.string() });

export const signingLinkViewSchema = z
  .object({
    organisation: z.object({ name: z.string(), timezone: z.string() }),
    session: z.object({
      id: z.uuid(), programTitle: z.string(), moduleTitle: z.string().nullable(), cohortName: z.string(), date: z.string(), halfDay: z.enum(['am', 'pm']),
      startsAt: z.string(), endsAt: z.string(), startsAtLocal: z.string(), endsAtLocal: z.string(), location: z.string().nullable(), cancelled: z.boolean(),
    }),
    person: z.object({ givenName: z.string(), familyName: z.string() }),
    window: windowSchema,
    link: z.object({ state: z.enum(['valid', 'used', 'expired']), expiresAt: z.string() }),
    sheetLocked: z.boolean(),
    signed: z.object({ signatureId: z.uuid(), signedAt: z.string(), status: z.string(), method: z.string(), lateMinutes: z.number().nullable() }).nullable(),
  })
  .meta({ id: 'SigningLinkView' });

export const qrCodeSchema = z
  .object({
    token: z.string(),
    url: z.string(),
    expiresAt: z.string().meta({ description: 'when the code rotates: fetch the next one then' }),
    validUntil: z.string().meta({ description: 'expiresAt plus the grace seconds' }),
    rotatesEvery: z.number().int(),
    graceSeconds: z.number().int(),
    window: z.object({ state: z.enum(['not_open_yet', 'open', 'closed']), opensAt: z.string(), closesAt: z.string() }),
  })
  .meta({ id: 'QrCode' });

const timeSchema = z.object({ at: z.string(), local: z.string(), timezone: z.string() });

export const attendanceRecordSchema = z
  .object({
    personId: z.uuid(), name: z.string().nullable(), email: z.string().nullable(), role: z.enum(['learner', 'trainer']), status: z.enum(ATTENDANCE_STATUSES),
    lateMinutes: z.number().int().nullable(), leftAt: z.string().nullable(), leftAtLocal: z.string().nullable(), signedAt: z.string().nullable(), signedAtLocal: z.string().nullable(),
    timezone: z.string(), method: z.enum(SIGNING_METHODS).nullable(), signatureId: z.uuid().nullable(), markedBy: z.uuid().nullable(), reason: z.string().nullable(),
    review: z.enum(SIGNATURE_REVIEWS).nullable().meta({
      description: "a learner's signature made after a trainer marked them absent or excused: 'pending' (the status is still the mark's; the trainer confirms or rejects), 'confirmed' (status from the signing time), 'rejected' (the mark stands, the signature stays as evidence); null: no such conflict",
    }),
    reviewedBy: z.uuid().nullable(), reviewedAt: z.string().nullable(), reviewedAtLocal: z.string().nullable(),
  })
  .meta({ id: 'AttendanceRecord' });

/** Learner counts of a sheet: attended = signed (own signature) + marked (trainer mark or amendment, no signature). */
export const sheetCountsSchema = z
  .object({
    learners: z.number().int(),
    attended: z.number().int().meta({ description: 'present, late or left early: signed + marked' }),
    signed: z.number().int().meta({ description: "attended with the learner's own signature" }),
    marked: z.number().int().meta({ description: 'attended by a trainer mark or an amendment, without a signature' }),
    awaitingReview: z.number().int().meta({ description: 'signatures made after an absent or excused mark, waiting for the trainer to confirm or reject them (the sheet cannot be locked meanwhile)' }),
    pending: z.number().int().meta({ description: 'not signed nor marked yet: the missing signatures' }),
    present: z.number().int(),
    late: z.number().int(),
    left_early: z.number().int(),
    absent: z.number().int(),
    excused: z.number().int(),
  })
  .meta({ id: 'SheetCounts' });

export const attendanceSheetSchema = z
  .object({
    sessionId: z.uuid(),
    status: z.enum(['open', 'locked']),
    version: z.number().int(),
    verificationCode: z.string(),
    lockedAt: z.string().nullable(),
    lockedBy: z.uuid().nullable(),
    timezone: z.string(),
    session: z.object({ date: z.string(), halfDay: z.enum(['am', 'pm']), programTitle: z.string(), moduleTitle: z.string().nullable(), cohortName: z.string(), startsAt: timeSchema, endsAt: timeSchema, cancelled: z.boolean() }),
    window: z.object({ state: z.enum(['not_open_yet', 'open', 'closed']), opensAt: timeSchema, closesAt: timeSchema }),
    trainerSigned: z.boolean(),
    counts: sheetCountsSchema,
    records: z.array(attendanceRecordSchema),
  })
  .meta({ id: 'AttendanceSheet' });

export const rosterSchema = z
  .object({
    sessionId: z.uuid(),
    items: z.array(z.object({ personId: z.uuid(), givenName: z.string(), familyName: z.string(), status: z.enum(ATTENDANCE_STATUSES), signed: z.boolean(), signedAt: z.string().nullable(), method: z.enum(SIGNING_METHODS).nullable() })),
  })
  .meta({ id: 'Roster' });

export const signingLinksResultSchema = z.object({
  sent: z.number().int(),
  skippedSigned: z.number().int(),
  skippedMarked: z.number().int().meta({ description: 'learners already marked by the trainer (absent, excused, or present on their behalf): no link' }),
  links: z.array(z.object({ personId: z.uuid(), email: z.string(), expiresAt: z.string() })),
});

export const evidenceOrgQuerySchema = z.object({});

const evidenceProblemSchema = z.object({
  kind: z.string(),
  entryId: z.string().nullable(),
  seq: z.number().nullable(),
  batchNumber: z.number().nullable(),
  message: z.string(),
  table: z.string().optional().meta({ description: 'for a row that no longer matches its evidence: its table' }),
  rowId: z.string().optional(),
  fact: z.string().optional().meta({ description: 'which fact of the row (status, png, strokes, signer, reason…)' }),
  source: z.string().optional().meta({ description: 'for an anchor: where it was found' }),
});

export const evidenceVerificationSchema = z
  .object({
    ok: z.boolean(),
    checkedEntries: z.number().int(),
    checkedBatches: z.number().int(),
    unsealedEntries: z.number().int(),
    headBatchHash: z.string().nullable(),
    checkedRows: z.number().int().meta({ description: 'signatures, attendance records, amendments and sheets checked against their evidence entries' }),
    checkedAnchors: z.number().int(),
    firstProblem: evidenceProblemSchema.nullable(),
    problems: z.array(evidenceProblemSchema),
  })
  .meta({ id: 'EvidenceVerification' });

export const evidenceSealResultSchema = z.object({ batches: z.number().int(), entries: z.number().int() });

export const sheetListQuerySchema = pageQuerySchema
  .extend({
    from: isoDateSchema.meta({ description: 'first local date (YYYY-MM-DD, organisation time zone)' }),
    to: isoDateSchema.meta({ description: `last local date, at most ${MAX_CALENDAR_DAYS} days after from` }),
    cohortId: z.uuid().optional(),
    programId: z.uuid().optional(),
    status: z.enum(['open', 'locked']).optional().meta({ description: 'sheet state' }),
  })
  .superRefine((v, ctx) => {
    const days = (Date.parse(`${v.to}T00:00:00Z`) - Date.parse(`${v.from}T00:00:00Z`)) / 86_400_000;
    if (days < 0) ctx.addIssue({ code: 'custom', ...schemaIssue('ends_before_start', { path: ['to'], params: { start: 'from' } }) });
    else if (days > MAX_CALENDAR_DAYS) ctx.addIssue({ code: 'custom', ...schemaIssue('range_too_long', { path: ['to'], params: { days: MAX_CALENDAR_DAYS, start: 'from' } }) });
  });

export const sheetListItemSchema = z
  .object({
    sessionId: z.uuid(),
    date: z.string(),
    halfDay: z.enum(['am', 'pm']),
    cancelled: z.boolean(),
    timezone: z.string(),
    startsAt: timeSchema,
    endsAt: timeSchema,
    cohort: z.object({ id: z.uuid(), name: z.string() }),
    program: z.object({ id: z.uuid(), title: z.string() }),
    module: z.object({ id: z.uuid(), title: z.string() }).nullable(),
    trainers: z.array(z.object({ personId: z.uuid(), name: z.string(), signed: z.boolean() })),
    sheet: z.object({ status: z.enum(['open', 'locked']), version: z.number().int(), lockedAt: timeSchema.nullable() }).meta({ description: 'a sheet not created yet is shown open, version 1' }),
    window: z.object({ state: z.enum(['not_open_yet', 'open', 'closed']), opensAt: timeSchema, closesAt: timeSchema }),
    trainerSigned: z.boolean(),
    counts: z.object({
      expected: z.number().int().meta({ description: 'learners on the sheet (actively enrolled learners while it is open)' }),
      attended: z.number().int().meta({ description: 'present, late or left early: signed + marked' }),
      signed: z.number().int(),
      marked: z.number().int().meta({ description: 'attended by a trainer mark or an amendment, without a signature' }),
      pending: z.number().int(),
      present: z.number().int(),
      late: z.number().int(),
      left_early: z.number().int(),
      absent: z.number().int(),
      excused: z.number().int(),
    }),
    missing: z.object({
      learners: z.number().int().meta({ description: 'learners neither signed nor marked' }),
      trainer: z.boolean().meta({ description: 'no trainer has signed (required to lock)' }),
      signatures: z.number().int().meta({ description: "learners + 1 when the trainer's signature is missing" }),
      any: z.boolean(),
    }).meta({ description: 'nothing is missing on a cancelled session' }),
  })
  .meta({ id: 'SheetListItem' });

export const sheetListPageSchema = pageSchema(sheetListItemSchema);

const recordStateSchema = z.object({ status: z.string().nullable(), lateMinutes: z.number().int().nullable(), leftAt: z.string().nullable(), reason: z.string().nullable() });

export const sheetAmendmentsSchema = z
  .object({
    sessionId: z.uuid(),
    status: z.enum(['open', 'locked']),
    version: z.number().int().meta({ description: 'the current version (1 at lock, + 1 per amendment)' }),
    lockedAt: timeSchema.nullable(),
    timezone: z.string(),
    items: z.array(
      z.object({
        version: z.number().int(),
        amendedBy: z.object({ kind: z.enum(['person', 'api_key', 'system']), id: z.uuid().nullable(), name: z.string().nullable() }),
        at: timeSchema,
        reason: z.string(),
        change: z.object({ personId: z.uuid().nullable(), name: z.string().nullable(), before: recordStateSchema, after: recordStateSchema, justificationId: z.string().nullable() }),
      }),
    ),
  })
  .meta({ id: 'SheetAmendments' });
