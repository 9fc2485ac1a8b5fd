import { z } from 'zod';
import { itemMessage, schemaIssue } from '../../platform/errors/problem-items.ts';
import { PREDICTION_BANDS, REVIEW_ACTIONS } from './analytics.table.ts';

export const idParamsSchema = z.object({ id: z.uuid() });
export const predictionParamsSchema = z.object({ predictionId: z.uuid() });
export const jobParamsSchema = z.object({ id: z.coerce.number().int().positive() });

export const trainBodySchema = z
  .strictObject({
    epochs: z.number().int().min(1).max(200).optional().describe('maximum epochs (early stopping may end sooner); default 30'),
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  })
  .default({});

export const trainAcceptedSchema = z
  .object({ jobId: z.number().int(), modelVersionId: z.uuid(), version: z.number().int(), status: z.literal('queued'), statusUrl: z.string() })
  .meta({ id: 'TrainingAccepted' });

export const trainingJobSchema = z
  .object({
    id: z.number().int(),
    status: z.enum(['queued', 'running', 'done', 'failed']),
    progress: z.object({ phase: z.string(), epoch: z.number(), epochs: z.number(), etaSeconds: z.number().nullable(), validationAuc: z.number().nullable() }).nullable(),
    result: z.record(z.string(), z.unknown()).nullable(),
    error: z.string().nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'TrainingJob' });

const looseRecord = z.record(z.string(), z.unknown());

export const modelVersionSchema = z
  .object({
    id: z.uuid(),
    version: z.number().int(),
    kind: z.string(),
    status: z.enum(['training', 'ready', 'failed', 'retired', 'rejected']),
    metrics: looseRecord.nullable(),
    dataWindow: looseRecord.nullable(),
    codeVersion: z.string().nullable(),
    error: z.string().nullable(),
    trainedAt: z.string().nullable(),
    trainingJobId: z.number().int().nullable(),
    createdBy: z.uuid().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'ModelVersion' });
export const modelVersionListSchema = z.object({ items: z.array(modelVersionSchema) });

export const scoreResultSchema = z
  .object({ modelVersionId: z.uuid(), version: z.number().int(), learners: z.number().int(), predictions: z.number().int(), insufficientData: z.number().int().describe('learner-weeks with not enough data yet (no band)'), asOf: z.string() })
  .meta({ id: 'ScoreResult' });

const reasonSchema = z.object({
  feature: z.string(),
  textFr: z.string(),
  textEn: z.string(),
  contribution: z.number(),
  value: z.number().nullable().describe('the learner\'s value that week'),
  cohortMedian: z.number().nullable().describe('the median of the cohort\'s learners the same week (past learners\' mean for a cohort under 3)'),
});
const predictionSchema = z.object({
  id: z.uuid(),
  modelVersionId: z.uuid(),
  personId: z.uuid(),
  cohortId: z.uuid(),
  weekStart: z.string(),
  probability: z.number().nullable().describe('null when band is insufficient_data'),
  band: z.enum(PREDICTION_BANDS),
  reasons: z.array(reasonSchema),
  createdAt: z.string(),
});
export const reviewSchema = z
  .object({ id: z.uuid(), predictionId: z.uuid(), personId: z.uuid(), action: z.enum(REVIEW_ACTIONS), note: z.string().nullable(), reviewedBy: z.uuid().nullable(), createdAt: z.string() })
  .meta({ id: 'RiskReview' });

export const riskQuerySchema = z.strictObject({
  cohortId: z.uuid().optional(),
  band: z.enum(['high', 'medium', 'low', 'insufficient_data', 'at_risk', 'all']).optional().describe('default at_risk (high and medium)'),
  modelVersionId: z.uuid().optional().describe('default: the latest ready model'),
});
export const riskListSchema = z
  .object({
    model: z.object({ id: z.uuid(), version: z.number().int(), trainedAt: z.string().nullable() }).nullable(),
    items: z.array(
      predictionSchema.extend({
        personName: z.string(),
        cohortName: z.string(),
        trend: z.array(z.object({ weekStart: z.string(), probability: z.number().nullable(), band: z.enum(PREDICTION_BANDS) })),
        latestReview: reviewSchema.nullable(),
      }),
    ),
  })
  .meta({ id: 'RiskList' });

export const reviewBodySchema = z.strictObject({
  action: z.enum(REVIEW_ACTIONS),
  note: z.string().trim().max(5000).nullable().optional(),
});

export const objectionSchema = z
  .object({ id: z.uuid(), personId: z.uuid(), predictionId: z.uuid(), message: z.string(), status: z.enum(['open', 'answered']), answer: z.string().nullable(), answeredBy: z.uuid().nullable(), answeredAt: z.string().nullable(), createdAt: z.string() })
  .meta({ id: 'RiskObjection' });
export const objectionListSchema = z.object({ items: z.array(objectionSchema.extend({ personName: z.string() })) });
export const objectionQuerySchema = z.strictObject({ status: z.enum(['open', 'answered']).optional() });
export const objectionBodySchema = z.strictObject({ predictionId: z.uuid(), message: z.string().trim().min(1, itemMessage('value_required')).max(5000) });
export const answerBodySchema = z.strictObject({ answer: z.string().trim().min(1, itemMessage('value_required')).max(5000) });

export const myRiskSchema = z
  .object({
    enabled: z.boolean().describe('false: the organisation does not show learners their predictions (the list is empty)'),
    notice: z.object({ en: z.string(), fr: z.string() }),
    contacts: z.array(z.object({ name: z.string(), email: z.string(), cohortName: z.string(), role: z.literal('trainer') })).describe('whom to talk to: the trainers of your cohorts'),
    minHalfDays: z.number().int(),
    predictions: z.array(predictionSchema.extend({ modelVersion: z.number().int(), reviews: z.array(z.object({ action: z.enum(REVIEW_ACTIONS), createdAt: z.string() })) })),
    objections: z.array(objectionSchema),
  })
  .meta({ id: 'MyRisk' });

export const modelCardSchema = looseRecord.meta({ id: 'ModelCard' });
export const fairnessQuerySchema = z.strictObject({ attribute: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, itemMessage('attribute_name_format')).optional().describe('required: the group attribute to audit') });
export const fairnessSchema = looseRecord.meta({ id: 'FairnessReport' });

const attributeName = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, itemMessage('attribute_name_format'));
export const groupAttributesBodySchema = z.strictObject({
  attribute: attributeName,
  legalBasis: z.string().trim().min(3, itemMessage('legal_basis_required')).max(1000),
  values: z
    .array(
      z
        .strictObject({ personId: z.uuid().optional(), email: z.email().max(320).optional(), value: z.string().trim().min(1).max(100) })
        .refine((v) => (v.personId === undefined) !== (v.email === undefined), schemaIssue('person_id_or_email', { path: ['personId'] })),
    )
    .min(1)
    .max(10_000)
    .describe('one value per person, named by id or by e-mail (e.g. from an uploaded CSV)'),
});
export const groupAttributesResultSchema = z.object({ attribute: z.string(), recorded: z.number().int() });
export const groupAttributeParamsSchema = z.object({ attribute: attributeName });
export const groupAttributeListSchema = z
  .object({
    items: z.array(
      z.object({ attribute: z.string(), legalBases: z.array(z.string()), people: z.number().int(), values: z.array(z.object({ value: z.string(), people: z.number().int() })), lastRecordedAt: z.string() }),
    ),
  })
  .meta({ id: 'GroupAttributeList' });
export const groupAttributeDeletedSchema = z.object({ attribute: z.string(), deleted: z.number().int() });

export const analyticsSettingsSchema = z
  .object({
    retrain: z.enum(['off', 'weekly', 'monthly']),
    simulatedHistory: z.boolean(),
    minHalfDays: z.number().int().describe('"not enough data yet" below this many recorded half-days'),
    minWeeks: z.number().int().describe('… or before this many weeks of programme'),
    learnerAccess: z.boolean().describe('learners see their own predictions'),
  })
  .meta({ id: 'AnalyticsSettings' });
export const analyticsSettingsPatchSchema = z.strictObject({
  retrain: z.enum(['off', 'weekly', 'monthly']).optional(),
  minHalfDays: z.number().int().min(0).max(200).optional(),
  minWeeks: z.number().int().min(0).max(52).optional(),
  learnerAccess: z.boolean().optional(),
});
