import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Json, NullableTimestamp, UpdatedAt } from '../../platform/db/schema.ts';

export const QUESTIONNAIRE_KINDS = ['positioning', 'quiz', 'satisfaction_hot', 'satisfaction_cold', 'trainer_feedback', 'funder_feedback'] as const;
export type QuestionnaireKind = (typeof QUESTIONNAIRE_KINDS)[number];
export const QUESTION_TYPES = ['single', 'multiple', 'rating', 'likert', 'nps', 'short_text', 'long_text', 'number', 'date', 'ranking'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];
export const DISPLAY_OPERATORS = ['equals', 'not_equals', 'includes', 'gt', 'lt', 'answered'] as const;
export type DisplayOperator = (typeof DISPLAY_OPERATORS)[number];

/** Questionnaire-level settings (jsonb). Percentages 0–100. */
export interface QuestionnaireSettings {
  passingScore?: number | null;
  allowResubmission?: boolean;
  closesAt?: string | null;
  showFeedback?: boolean;
}

/** An option of a choice/ranking/likert question; ids are stable and unique inside the question. */
export interface QuestionOption {
  id: string;
  label: string;
  correct?: boolean;
  /** Weight of this option in percent of the question's points (Moodle/GIFT weights); negative for penalties. */
  weight?: number;
  feedback?: string;
}

/** Type-specific settings (jsonb). */
export interface QuestionSettings {
  /** rating: scale bounds (default 1..5). */
  min?: number;
  max?: number;
  /** likert: the rows (statements); options are the scale. */
  rows?: Array<{ id: string; label: string }>;
  /** multiple: 'partial' ((correct chosen − wrong chosen) / correct, floored at 0) or 'all_or_nothing'. */
  scoring?: 'partial' | 'all_or_nothing';
  /** number: the expected value and the accepted tolerance (absolute). */
  correctNumber?: number;
  tolerance?: number;
  /** short_text: accepted answers (case and surrounding spaces ignored). */
  acceptedAnswers?: string[];
  /** ranking: the correct order of option ids; partial credit = share of options at their right place. */
  correctOrder?: string[];
  partialCredit?: boolean;
  /** General feedback shown after submission. */
  feedback?: string;
}

export interface DisplayCondition {
  questionId: string;
  operator: DisplayOperator;
  value?: string | number | null;
}

export interface SectionDraw {
  bankId: string;
  count: number;
}

export interface QuestionnairesTable {
  organisation_id: string;
  id: Generated<string>;
  kind: QuestionnaireKind;
  title: string;
  description: Generated<string>;
  locale: Generated<'fr' | 'en'>;
  anonymous: Generated<boolean>;
  settings: Json<QuestionnaireSettings>;
  status: Generated<'draft' | 'published' | 'closed'>;
  version: Generated<number>;
  template_key: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  published_at: NullableTimestamp;
}

export interface QuestionBanksTable {
  organisation_id: string;
  id: Generated<string>;
  title: string;
  created_at: CreatedAt;
}

export interface QuestionnaireSectionsTable {
  organisation_id: string;
  id: Generated<string>;
  questionnaire_id: string;
  title: Generated<string>;
  description: Generated<string>;
  position: Generated<number>;
  draw: Json<SectionDraw | null> | null;
}

export interface QuestionsTable {
  organisation_id: string;
  id: Generated<string>;
  questionnaire_id: string | null;
  section_id: string | null;
  bank_id: string | null;
  type: QuestionType;
  prompt: string;
  help: Generated<string>;
  required: Generated<boolean>;
  position: Generated<number>;
  options: Json<QuestionOption[]>;
  settings: Json<QuestionSettings>;
  display_if: Json<DisplayCondition | null> | null;
  /** numeric: read as string. */
  points: ColumnType<string, number | string | undefined, number | string>;
  skills: ColumnType<string[], string[] | undefined, string[]>;
}

export interface QuestionnaireDistributionsTable {
  organisation_id: string;
  id: Generated<string>;
  questionnaire_id: string;
  target_type: 'program' | 'module' | 'session' | 'cohort';
  target_id: string;
  trigger: 'now' | 'before_first_session' | 'end_of_session' | 'end_of_module' | 'end_of_program' | 'days_after_end';
  trigger_days: number | null;
  audience: 'learners' | 'trainers' | 'external';
  external_emails: ColumnType<string[], string[] | undefined, string[]>;
  reminder_days: ColumnType<number[], number[] | undefined, number[]>;
  due_at: NullableTimestamp;
  closes_at: NullableTimestamp;
  status: Generated<'scheduled' | 'sent' | 'closed'>;
  sent_at: NullableTimestamp;
  reminders_sent: Generated<number>;
  created_by: string | null;
  created_at: CreatedAt;
}

export interface QuestionnaireInvitationsTable {
  organisation_id: string;
  id: Generated<string>;
  distribution_id: string;
  questionnaire_id: string;
  person_id: string | null;
  email: string;
  cohort_id: string | null;
  responded: Generated<boolean>;
  sent_at: NullableTimestamp;
  last_reminded_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface QuestionnaireInvitationTokensTable {
  organisation_id: string;
  token_hash: string;
  invitation_id: string;
  created_at: CreatedAt;
}

export interface QuestionnaireResponsesTable {
  organisation_id: string;
  id: Generated<string>;
  questionnaire_id: string;
  distribution_id: string | null;
  invitation_id: string | null;
  person_id: string | null;
  resume_key_hash: string;
  cohort_id: string | null;
  module_id: string | null;
  session_id: string | null;
  status: Generated<'draft' | 'submitted'>;
  drawn_question_ids: string[] | null;
  submitted_at: NullableTimestamp;
  submissions: Generated<number>;
  score: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  max_score: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  passed: boolean | null;
  skill_scores: Json<Record<string, { score: number; max: number }> | null> | null;
  created_on: ColumnType<string, string | undefined, never>;
}

export interface QuestionnaireAnswersTable {
  organisation_id: string;
  response_id: string;
  question_id: string;
  value: Json<unknown>;
  score: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  max_score: ColumnType<string | null, number | string | null | undefined, number | string | null>;
}

export interface ImprovementActionsTable {
  organisation_id: string;
  id: Generated<string>;
  unit_type: 'cohort' | 'module';
  unit_id: string;
  metric: 'success' | 'satisfaction';
  finding: Generated<string>;
  description: string;
  due_on: string | null;
  status: Generated<'open' | 'in_progress' | 'done'>;
  owner_id: string | null;
  outcome: Generated<string>;
  closed_at: NullableTimestamp;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface QuestionnaireTables {
  improvement_actions: ImprovementActionsTable;
  questionnaires: QuestionnairesTable;
  question_banks: QuestionBanksTable;
  questionnaire_sections: QuestionnaireSectionsTable;
  questions: QuestionsTable;
  questionnaire_distributions: QuestionnaireDistributionsTable;
  questionnaire_invitations: QuestionnaireInvitationsTable;
  questionnaire_invitation_tokens: QuestionnaireInvitationTokensTable;
  questionnaire_responses: QuestionnaireResponsesTable;
  questionnaire_answers: QuestionnaireAnswersTable;
}
