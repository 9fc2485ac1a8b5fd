import type { z } from 'zod';
import type { cohortSchema, enrolmentSchema, moduleSchema, programSchema, sessionGenerateResultSchema, sessionGenerateSchema, sessionSchema } from '../../modules/catalogue/catalogue.schemas.ts';
import type { importCommitSchema, importErrorSchema, importPreviewSchema } from '../../modules/imports/imports.schemas.ts';
import type { personSchema } from '../../modules/people/people.schemas.ts';
import type { apiKeySchema, createdApiKeySchema } from '../../platform/auth/api-keys.schemas.ts';
import type { sessionInfoSchema } from '../../platform/auth/auth.schemas.ts';
import type { outboxMailSchema } from '../../platform/mail/outbox.schemas.ts';
import type { justificationReviewedSchema, justificationSchema } from '../../modules/absences/absences.schemas.ts';
import type {
  amendmentSchema,
  attendanceRecordSchema,
  attendanceSheetSchema,
  markSchema,
  qrCodeSchema,
  rosterSchema,
  signatureProofSchema,
  qrScanResultSchema,
  signingLinksResultSchema,
  signingLinkViewSchema,
  strokesSchema,
} from '../../modules/attendance/attendance.schemas.ts';
import type {
  analyticsSettingsSchema,
  modelVersionListSchema,
  modelVersionSchema,
  myRiskSchema,
  objectionListSchema,
  objectionSchema,
  reviewSchema,
  riskListSchema,
  trainAcceptedSchema,
  trainingJobSchema,
} from '../../modules/analytics/analytics.schemas.ts';
import type { getFairnessReport, getModelCard } from '../../modules/analytics/model-card.ts';
import type { jobAcceptedSchema, jobSchema, verifyCodeResultSchema, verifyPdfResultSchema } from '../../modules/documents/documents.schemas.ts';
import type {
  bankListSchema,
  bankSchema,
  distributionCreateSchema,
  distributionSchema,
  questionCreateSchema,
  questionnaireSchema,
  questionnaireSummarySchema,
  questionSchema,
  respondentViewSchema,
  templateSchema,
} from '../../modules/questionnaires/questionnaires.schemas.ts';

/**
 * The API's shapes, inferred from the server's zod contracts (type-only
 * imports: nothing of the server ends up in the bundle). A contract change
 * that breaks the web app fails `tsc`.
 */
export type Role = 'admin' | 'manager' | 'trainer' | 'learner';
export const ROLES: readonly Role[] = ['admin', 'manager', 'trainer', 'learner'];

export type SessionInfo = z.infer<typeof sessionInfoSchema>;
export type Program = z.infer<typeof programSchema>;
export type Module = z.infer<typeof moduleSchema>;
export type Person = z.infer<typeof personSchema>;
export type Cohort = z.infer<typeof cohortSchema>;
export type Enrolment = z.infer<typeof enrolmentSchema>;
export type EnrolmentStatus = Enrolment['status'];
export type Session = z.infer<typeof sessionSchema>;
export type HalfDay = Session['halfDay'];
export type GenerateSessionsInput = z.input<typeof sessionGenerateSchema>;
export type GenerateSessionsResult = z.infer<typeof sessionGenerateResultSchema>;
export type ImportPreview = z.infer<typeof importPreviewSchema>;
export type ImportRow = ImportPreview['rows'][number];
export type ImportError = z.infer<typeof importErrorSchema>;
export type ImportResult = z.infer<typeof importCommitSchema>;
export type ApiKey = z.infer<typeof apiKeySchema>;
export type CreatedApiKey = z.infer<typeof createdApiKeySchema>;
export type OutboxMail = z.infer<typeof outboxMailSchema>;

// Attendance, documents and absences (issue 3).
export type SignatureStrokes = z.input<typeof strokesSchema>;
export type SignatureProof = z.infer<typeof signatureProofSchema>;
export type QrScanTicket = z.infer<typeof qrScanResultSchema>;
export type SigningLinkView = z.infer<typeof signingLinkViewSchema>;
export type QrCode = z.infer<typeof qrCodeSchema>;
export type AttendanceRecord = z.infer<typeof attendanceRecordSchema>;
export type AttendanceStatus = AttendanceRecord['status'];
export type AttendanceSheet = z.infer<typeof attendanceSheetSchema>;
export type Roster = z.infer<typeof rosterSchema>;
export type RosterItem = Roster['items'][number];
export type MarkInput = z.input<typeof markSchema>;
export type AmendmentInput = z.input<typeof amendmentSchema>;
export type SigningLinksResult = z.infer<typeof signingLinksResultSchema>;
export type ExportAccepted = z.infer<typeof jobAcceptedSchema>;
export type Job = z.infer<typeof jobSchema>;
export type VerifyCodeResult = z.infer<typeof verifyCodeResultSchema>;
export type VerifyPdfResult = z.infer<typeof verifyPdfResultSchema>;
export type Justification = z.infer<typeof justificationSchema>;
export type JustificationReviewed = z.infer<typeof justificationReviewedSchema>;

// Disengagement risk analytics (issue 5).
export type TrainingAccepted = z.infer<typeof trainAcceptedSchema>;
export type TrainingJob = z.infer<typeof trainingJobSchema>;
export type ModelVersion = z.infer<typeof modelVersionSchema>;
export type ModelVersionList = z.infer<typeof modelVersionListSchema>;
export type RiskList = z.infer<typeof riskListSchema>;
export type RiskItem = RiskList['items'][number];
export type RiskBand = RiskItem['band'];
export type RiskReason = RiskItem['reasons'][number];
export type RiskReview = z.infer<typeof reviewSchema>;
export type ReviewAction = RiskReview['action'];
export type RiskObjection = z.infer<typeof objectionSchema>;
export type ObjectionList = z.infer<typeof objectionListSchema>;
export type MyRisk = z.infer<typeof myRiskSchema>;
export type AnalyticsSettings = z.infer<typeof analyticsSettingsSchema>;
export type ModelCard = Awaited<ReturnType<typeof getModelCard>>;
export type FairnessResult = Awaited<ReturnType<typeof getFairnessReport>>;
export const RISK_BANDS: readonly RiskBand[] = ['high', 'medium', 'low', 'insufficient_data'];
export const REVIEW_ACTIONS: readonly ReviewAction[] = ['contacted', 'plan_agreed', 'no_action', 'prediction_wrong'];

// Questionnaires (issue 4).
export type Questionnaire = z.infer<typeof questionnaireSchema>;
export type QuestionnaireSummary = z.infer<typeof questionnaireSummarySchema>;
export type QuestionnaireKind = Questionnaire['kind'];
export type QuestionnaireStatus = Questionnaire['status'];
export type QuestionnaireSection = Questionnaire['sections'][number];
export type Question = z.infer<typeof questionSchema>;
export type QuestionType = Question['type'];
export type QuestionInput = z.input<typeof questionCreateSchema>;
export type QuestionnaireTemplate = z.infer<typeof templateSchema>;
export type QuestionnaireDistribution = z.infer<typeof distributionSchema>;
export type DistributionInput = z.input<typeof distributionCreateSchema>;
export type RespondentView = z.infer<typeof respondentViewSchema>;
export type RespondentSection = RespondentView['sections'][number];
export type RespondentQuestion = RespondentSection['questions'][number];
export type QuestionBankList = z.infer<typeof bankListSchema>;
export type QuestionBank = z.infer<typeof bankSchema>;
export const QUESTIONNAIRE_KINDS: readonly QuestionnaireKind[] = ['positioning', 'quiz', 'satisfaction_hot', 'satisfaction_cold', 'trainer_feedback', 'funder_feedback'];
export const QUESTION_TYPES: readonly QuestionType[] = ['single', 'multiple', 'rating', 'likert', 'nps', 'short_text', 'long_text', 'number', 'date', 'ranking'];
