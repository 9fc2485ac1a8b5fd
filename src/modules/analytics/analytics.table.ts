import type { Generated } from 'kysely';
import type { CreatedAt, Json, NullableTimestamp } from '../../platform/db/schema.ts';

/** rejected: a retrained candidate that did worse than the model in service on the same recent data (kept, never deployed). */
export const MODEL_STATUSES = ['training', 'ready', 'failed', 'retired', 'rejected'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];
export const RISK_BANDS = ['low', 'medium', 'high'] as const;
export type RiskBand = (typeof RISK_BANDS)[number];
/** A stored prediction's band: a risk band, or "not enough data yet" (no probability). */
export const PREDICTION_BANDS = [...RISK_BANDS, 'insufficient_data'] as const;
export type PredictionBand = (typeof PREDICTION_BANDS)[number];
export const REVIEW_ACTIONS = ['contacted', 'plan_agreed', 'no_action', 'prediction_wrong'] as const;
export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

/** One factor of a prediction, in words in both languages. */
export interface RiskReason {
  feature: string;
  text_fr: string;
  text_en: string;
  /** Integrated-gradients contribution to the logit (positive raises the risk). */
  contribution: number;
  /** The learner's value that week, and the median of their cohort's learners the same week. */
  value?: number;
  cohort_median?: number;
}

export interface ModelVersionsTable {
  organisation_id: string;
  id: Generated<string>;
  version: number;
  kind: Generated<'dropout_risk'>;
  status: Generated<ModelStatus>;
  /** RiskModelArtifact (engine/artifact.ts); null while training or after a failure. */
  artifact: Json<unknown> | null;
  metrics: Json<Record<string, unknown>> | null;
  data_window: Json<Record<string, unknown>> | null;
  code_version: string | null;
  error: string | null;
  trained_at: NullableTimestamp;
  training_job_id: number | null;
  created_by: string | null;
  created_at: CreatedAt;
}

export interface RiskPredictionsTable {
  organisation_id: string;
  id: Generated<string>;
  model_version_id: string;
  person_id: string;
  cohort_id: string;
  /** The date from which the prediction holds (the cohort's start + 7 × step): data known before it only. */
  week_start: string;
  step: number;
  /** null when band is insufficient_data. */
  probability: number | null;
  band: PredictionBand;
  reasons: Json<RiskReason[]>;
  created_at: CreatedAt;
}

export interface RiskReviewsTable {
  organisation_id: string;
  id: Generated<string>;
  prediction_id: string;
  person_id: string;
  action: ReviewAction;
  note: string | null;
  reviewed_by: string | null;
  created_at: CreatedAt;
}

export interface RiskObjectionsTable {
  organisation_id: string;
  id: Generated<string>;
  person_id: string;
  prediction_id: string;
  message: string;
  status: Generated<'open' | 'answered'>;
  answer: string | null;
  answered_by: string | null;
  answered_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface GroupAttributesTable {
  organisation_id: string;
  person_id: string;
  attribute: string;
  value: string;
  legal_basis: string;
  recorded_by: string | null;
  created_at: CreatedAt;
}

/** Each week, a version's past predictions scored against the outcomes known since (monitor-predictions.ts). */
export interface ModelMonitoringTable {
  organisation_id: string;
  id: Generated<string>;
  model_version_id: string;
  as_of: string;
  predictions: number;
  learners: number;
  positives: number;
  auc: number | null;
  brier: number | null;
  ece: number | null;
  flag_rate: number | null;
  reliability: Json<unknown[]>;
  by_week: Json<unknown[]>;
  alerts: Json<unknown[]>;
  created_at: CreatedAt;
}

export interface AnalyticsTables {
  model_monitoring: ModelMonitoringTable;
  model_versions: ModelVersionsTable;
  risk_predictions: RiskPredictionsTable;
  risk_reviews: RiskReviewsTable;
  risk_objections: RiskObjectionsTable;
  group_attributes: GroupAttributesTable;
}
