/**
 * The catalogue of audit events. Each type names its subject and payload;
 * a new event is added here first, so the log stays a documented, typed record.
 * Events are written in the same transaction as the change and never updated.
 */
export interface AuditEventPayloads {
  'organisation.created': { slug: string; name: string };
  'organisation.updated': { changes: Record<string, unknown> };
  'person.created': { email: string; roles: string[] };
  'person.updated': { changes: Record<string, unknown> };
  'person.archived': Record<string, never>;
  'person.roles_changed': { roles: string[] };
  'program.created': { title: string };
  'program.updated': { changes: Record<string, unknown> };
  'program.archived': Record<string, never>;
  'module.created': { programId: string; title: string };
  'module.updated': { changes: Record<string, unknown> };
  'module.deleted': Record<string, never>;
  'cohort.created': { programId: string; name: string };
  'cohort.updated': { changes: Record<string, unknown> };
  'cohort.trainers_changed': { trainerIds: string[] };
  'enrolment.created': { cohortId: string; personId: string; walkIn: boolean };
  'enrolment.updated': { changes: Record<string, unknown> };
  'session.created': { cohortId: string; date: string; halfDay: string };
  'session.updated': { changes: Record<string, unknown> };
  'session.cancelled': Record<string, never>;
  'sessions.generated': { cohortId: string; created: number; skippedHolidays: string[]; skippedExisting: number };
  'import.completed': { kind: 'learners' | 'sessions'; rows: number; created: number; updated: number };
  'auth.signed_in': { method: 'password' | 'magic_link' };
  'auth.sign_in_failed': { email: string; reason: string };
  'auth.signed_out': Record<string, never>;
  'auth.magic_link_requested': { email: string };
  'api_key.created': { name: string; scope: string; prefix: string };
  'api_key.revoked': Record<string, never>;
  'organisation.seal_replaced': { fingerprint: string; subject: string; selfSigned: boolean };
  'document.issued': { kind: string; verificationCode: string; sha256: string; sheetVersion: number | null };
  'documents.export_requested': { kind: 'sheets' | 'certificates'; cohortId: string; jobId: number };
  'webhook.created': { url: string; events: string[] };
  'webhook.deleted': { url: string };
  'absence.justification_submitted': { personId: string; sessionIds: string[]; fileType: string | null; fileSha256: string | null };
  'absence.justification_reviewed': { personId: string; sessionIds: string[]; decision: 'accepted' | 'refused'; note: string | null };
  'organisation.attendance_settings_updated': { changes: Record<string, unknown> };
  'attendance.signed': { sessionId: string; personId: string; method: string; signatureId: string; status: string };
  'attendance.trainer_signed': { sessionId: string; signatureId: string };
  'attendance.marked': { sessionId: string; personId: string; from: string; to: string; reason: string | null };
  'attendance.excused': { sessionId: string; personId: string; justificationId: string; version: number };
  'attendance.sheet_locked': { sessionId: string; version: number; markedAbsent: number };
  'attendance.sheet_amended': { sessionId: string; personId: string; version: number; from: string; to: string; reason: string };
  'attendance.signing_links_sent': { sessionId: string; count: number };
  'attendance.signature_reviewed': { sessionId: string; personId: string; decision: 'confirmed' | 'rejected'; from: string; to: string; reason: string | null };
  'analytics.training_requested': { modelVersionId: string; version: number; jobId: number; scheduled: boolean };
  'analytics.model_trained': { modelVersionId: string; version: number; validationAuc: number | null; simulated: boolean };
  'analytics.training_failed': { modelVersionId: string; version: number; error: string };
  'analytics.learners_scored': { modelVersionId: string; learners: number; predictions: number };
  'analytics.prediction_reviewed': { predictionId: string; personId: string; action: string };
  'analytics.objection_raised': { predictionId: string };
  'analytics.objection_answered': { personId: string; predictionId: string };
  'analytics.group_attributes_recorded': { attribute: string; count: number; legalBasis: string };
  'analytics.group_attribute_deleted': { attribute: string; count: number };
  'analytics.training_cancelled': { jobId: number; modelVersionId: string | null; while: 'queued' | 'running' };
  'analytics.model_rejected': { modelVersionId: string; version: number; currentVersion: number; candidateAuc: number | null; currentAuc: number | null };
  'analytics.settings_updated': { retrain: string; minHalfDays?: number; minWeeks?: number; learnerAccess?: boolean };
  'questionnaire.created': { kind: string; title: string; templateKey: string | null };
  'questionnaire.updated': { changes: Record<string, unknown> };
  'questionnaire.content_changed': { action: string; id: string };
  'questionnaire.published': { version: number };
  'questionnaire.closed': Record<string, never>;
  'questionnaire.duplicated': { fromId: string; version: number };
  'questionnaire.distribution_created': { distributionId: string; targetType: string; targetId: string; trigger: string; invitations: number };
  'questionnaire.invitations_sent': { distributionId: string; invitations: number; reminder: boolean };
  'questionnaire.response_submitted': { anonymous: boolean; resubmission: boolean };
  'questionnaire.anonymous_responses_counted': { distributionId: string; responses: number; submissions: number };
  'questionnaire.imported': { format: string; questions: number };
  'questionnaire.improvement_action_recorded': { unitType: string; unitId: string };
  'questionnaire.improvement_action_updated': { actionId: string; changes: Record<string, unknown> };
  'questionnaire.improvement_action_closed': { actionId: string; outcome: string };
}

export type AuditEventType = keyof AuditEventPayloads;

export type AuditEvent = {
  [T in AuditEventType]: {
    type: T;
    subjectType?: string;
    subjectId?: string;
    payload: AuditEventPayloads[T];
  };
}[AuditEventType];
