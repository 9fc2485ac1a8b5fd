import type { ProblemItem } from './app-error.ts';

/**
 * The problem items our own code words (zod's field errors have their own codes, see problem.ts): a stable code and
 * its English wording, `{{name}}` standing for the item's param of that name. The API sends the code, the params and
 * the English message; the web app words the code in the reader's language (`problems.<code>` in each of its
 * language files — a test checks that every code is there, with no parameter the English wording lacks). Codes are
 * stable: clients key on them; never rename one.
 */
export const PROBLEM_ITEM_MESSAGES = {
  // Any field
  value_required: 'is required',
  value_empty: 'is empty',
  value_taken: 'is already used',
  too_long: 'is too long',
  too_short: 'is too short',
  text_too_long: 'is {{length}} characters long; at most {{max}}',
  // Looking things up
  person_unknown: 'no such person',
  person_unknown_id: 'no person {{personId}} in this organisation',
  person_unknown_email: 'no person with the e-mail {{email}} in this organisation',
  program_unknown: 'no such program',
  cohort_unknown: 'no such cohort',
  module_unknown: 'no such module',
  bank_unknown: 'no such question bank',
  staff_unknown: 'no such staff member (admin, manager or trainer)',
  target_unknown: 'no such {{targetType}}',
  trainer_not_active: '{{id}} is not an active trainer of this organisation',
  // People and enrolments
  email_format: 'must be an email address',
  code_format: 'letters, digits, dot, dash and underscore only',
  cohort_name_taken: 'is already used in this program',
  person_archived: 'is archived',
  email_archived: 'belongs to an archived person',
  already_enrolled: 'is already enrolled in this cohort',
  roles_required: 'must list at least one role',
  roles_admin_only: 'admin and manager can only be granted by an admin',
  password_too_short: 'must be at least {{min}} characters long',
  password_too_long: 'must be at most {{max}} characters long',
  // Dates and times
  date_format: 'must be a date YYYY-MM-DD',
  date_not_calendar: 'is not a calendar date',
  time_format: 'must be a time HH:MM between 00:00 and 23:59',
  week_format: 'must be an ISO week YYYY-Www, e.g. 2026-W10',
  ends_before_start: 'must be on or after {{start}}',
  end_not_after_start: 'must be after {{start}}',
  range_too_long: 'must be at most {{days}} days after {{start}}',
  time_not_in_zone: '{{time}} does not exist on that day in {{timezone}}',
  slots_same_half_day: 'each slot must be a different half-day (one starting before 13:00, one after)',
  half_day_taken: 'the {{halfDay}} half-day of {{date}} already has a session',
  week_not_in_year: 'is not a week of that year',
  not_a_monday: 'must be a Monday',
  week_or_from: 'give either week (YYYY-Www) or from (the Monday, YYYY-MM-DD), not both; neither: the current week',
  timezone_unknown: 'must be an IANA time zone such as Europe/Paris',
  date_in_past: 'must be in the future',
  // Attendance
  not_a_learner_here: 'is not a learner on this session',
  trainer_at_kiosk: 'is a trainer of this session',
  not_on_sheet: 'not on this sheet',
  reason_required_unsigned: 'is required to mark someone {{status}} who has not signed (you sign on their behalf)',
  reason_required_signed_absent: 'is required to mark absent someone who signed',
  reason_required_reject: 'is required to reject a signature (say why the learner was not there)',
  left_at_required: 'is required for left_early (when they left)',
  left_at_outside_session: 'must be during the session ({{start}} to {{end}})',
  left_at_only_left_early: 'is only for left_early',
  late_minutes_required: 'is required for late when the learner has not signed',
  late_minutes_only_late: 'is only for late',
  token_or_ticket: 'send either the scanned token or the ticket from /sign/qr/scan, not both',
  signature_no_stroke: 'the signature has no stroke',
  signature_empty: 'the signature is empty or a dot: at least one stroke of two or more points must span {{percent}}% of the canvas width or height',
  geolocation_purpose_required: 'is required to enable geolocation (state why it is collected)',
  signing_method_required: 'at least one way of signing must stay enabled',
  // Absences and files
  sessions_required: 'must name at least one session',
  sessions_repeated: 'must not repeat a session',
  file_field_unknown: 'unknown file field (use "file")',
  field_unknown: 'unknown field',
  file_type_refused: 'content is {{detected}}; accepted: PDF, JPEG, PNG',
  // Questionnaires
  questions_missing: 'a questionnaire needs at least one question',
  option_ids_repeated: 'option ids must be unique within the question',
  options_insufficient: 'needs at least two options',
  likert_rows_missing: 'a Likert question needs at least one statement',
  rating_range_invalid: 'min must be below max',
  points_negative: 'points must be zero or more',
  condition_not_earlier: 'a condition must refer to an earlier question of this questionnaire',
  condition_value_unknown: '"{{value}}" is not an option of the question it refers to',
  correct_answer_missing: 'a quiz question with points needs a correct answer',
  single_choice_many_correct: 'a single-choice question has one correct option',
  correct_order_incomplete: 'must list every option id once',
  bank_too_small: 'draws {{draws}} questions from a bank that holds {{holds}}',
  section_unknown: 'is not a section of this questionnaire',
  question_unknown: 'is not a question of this questionnaire',
  listed_twice: 'is listed twice',
  sections_incomplete: 'must list every section of the questionnaire',
  questions_incomplete: 'must list every question of the questionnaire',
  answer_required: 'required: "{{prompt}}"',
  answer_option_id: 'must be an option id (string)',
  answer_option_unknown: 'option "{{id}}" is not an option of this question',
  answer_option_list: 'must be a list of option ids',
  answer_option_twice: 'lists an option twice',
  answer_ranking_list: 'must be the list of every option id, in order',
  answer_ranking_incomplete: 'must rank every option exactly once',
  answer_whole_number_range: 'must be a whole number from {{min}} to {{max}}',
  answer_likert_map: 'must map each statement id to an option id',
  answer_statement_unknown: 'statement "{{id}}" is not a statement of this question',
  answer_text: 'must be text',
  answer_text_too_long: 'must be at most {{max}} characters',
  answer_number: 'must be a number',
  answer_number_too_small: 'must be at least {{min}}',
  answer_number_too_big: 'must be at most {{max}}',
  score_not_sent: 'must not be sent',
  question_hidden: 'this question is hidden by its display condition',
  quiz_empty: 'no question found',
  outcome_required: 'required to close the action',
  trigger_days_required: 'is required with the trigger days_after_end',
  external_emails_required: 'lists the external contacts to invite',
  trigger_needs_session: 'end_of_session needs a session as target',
  trigger_needs_module: 'end_of_module needs a module as target',
  nothing_to_change: 'nothing to change',
  // Risk model and fairness audit
  person_id_or_email: 'give either personId or email',
  attribute_name_format: 'must be a lower-case attribute name such as gender or age_band',
  legal_basis_required: 'is required: the legal basis (GDPR art. 6 and 9) for holding this attribute',
  // CSV imports (file, header and lines)
  csv_not_utf8: 'is not valid UTF-8',
  csv_empty: 'the file is empty: the first line must name the columns',
  csv_no_data: 'the file has a header line but no data lines',
  csv_too_many_lines: 'the file has {{lines}} data lines; at most {{max}} can be imported at once (split it into several files)',
  csv_unreadable: 'the file cannot be read as CSV ({{reason}})',
  csv_field_count: 'has {{got}} fields where the header has {{expected}} (check the delimiter and the quotes)',
  csv_column_twice: 'columns "{{first}}" and "{{second}}" both mean {{column}}; keep one',
  csv_column_missing: 'required column "{{column}}" is missing (accepted headers: {{accepted}})',
  email_invalid: '"{{value}}" is not a valid email address',
  phone_invalid: '"{{value}}" is not a phone number (digits, spaces and + ( ) . - only, 4 to 30 characters)',
  email_repeated_in_file: 'appears more than once in the file (also on line(s) {{lines}})',
  email_of_archived: 'belongs to {{name}}, who is archived; restore them before importing',
  date_unreadable: '"{{value}}" is not a date (use YYYY-MM-DD or DD/MM/YYYY)',
  date_too_early: '{{date}} is before the year 2000',
  date_too_late: '{{date}} is more than 5 years ahead (latest {{latest}})',
  date_public_holiday: '{{date}} is a public holiday ({{holiday}}); pass allowHolidays=true to import it anyway',
  time_unreadable: '"{{value}}" is not a time (use HH:MM or 9h30)',
  end_time_not_after_start: '{{end}} is not after the start time {{start}}',
  url_not_http: '"{{value}}" is not an http(s) address',
  capacity_invalid: '"{{value}}" is not a whole number between 1 and 10000',
  module_not_in_program: '"{{module}}" is not a module of this cohort\'s program (modules: {{known}})',
  module_not_in_program_none: '"{{module}}" is not a module of this cohort\'s program (it has no modules)',
  trainer_unknown_email: '"{{email}}" is not a trainer of the organisation',
  half_day_repeated_in_file: 'another line ({{lines}}) is also on the {{halfDay}} of {{date}}; one session per half-day',
  half_day_cancelled: 'the cohort has a cancelled session on the {{halfDay}} of {{date}}',
  half_day_other_times: 'the cohort already has a session on the {{halfDay}} of {{date}} at other times',
  date_out_of_range: 'must be in a year from {{min}} to {{max}}',
} as const satisfies Record<string, string>;

export type ProblemItemCode = keyof typeof PROBLEM_ITEM_MESSAGES;
export type ProblemParams = Record<string, string | number>;

/** The English wording of a code with its params. */
export function itemMessage(code: ProblemItemCode, params: ProblemParams = {}): string {
  return fill(PROBLEM_ITEM_MESSAGES[code], params);
}

function fill(template: string, params: ProblemParams): string {
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** A problem item: where (`path`, and for a file its line and column), its code and params, and the English wording. */
export function problemItem<C extends ProblemItemCode>(path: string, code: C, params?: ProblemParams, at?: { line?: number; column?: string }): ProblemItem & { code: C } {
  return { path, code, ...(params ? { params } : {}), message: itemMessage(code, params), ...at };
}

/**
 * The issue of a zod refinement, worded by a code: `.refine(check, schemaIssue('ends_before_start', { path: ['endsOn'],
 * params: { start: 'startsOn' } }))` or `ctx.addIssue({ code: 'custom', ...schemaIssue(…) })`. The error handler
 * passes the code and params on (see toAppError).
 */
export function schemaIssue(code: ProblemItemCode, options: { path?: PropertyKey[]; params?: ProblemParams } = {}): { message: string; path?: PropertyKey[]; params: { problem: ProblemItemCode } & ProblemParams } {
  return { message: itemMessage(code, options.params), ...(options.path ? { path: options.path } : {}), params: { ...options.params, problem: code } };
}

/** The code and params a custom zod issue carries (see schemaIssue), if any. */
export function issueProblem(issueParams: unknown): { code: ProblemItemCode; params?: ProblemParams } | null {
  if (!issueParams || typeof issueParams !== 'object') return null;
  const { problem, ...params } = issueParams as Record<string, unknown>;
  if (typeof problem !== 'string' || !(problem in PROBLEM_ITEM_MESSAGES)) return null;
  const clean: ProblemParams = {};
  for (const [k, v] of Object.entries(params)) if (typeof v === 'string' || typeof v === 'number') clean[k] = v;
  return { code: problem as ProblemItemCode, ...(Object.keys(clean).length ? { params: clean } : {}) };
}

const CODE_OF_FIXED_MESSAGE = new Map<string, ProblemItemCode>();
for (const [code, message] of Object.entries(PROBLEM_ITEM_MESSAGES) as Array<[ProblemItemCode, string]>) {
  if (!message.includes('{{') && !CODE_OF_FIXED_MESSAGE.has(message)) CODE_OF_FIXED_MESSAGE.set(message, code);
}

/**
 * The code of a message worded without params (`.min(1, itemMessage('value_required'))` in a schema: zod keeps the
 * message but has no room for a code, so the error handler finds it back by its text).
 */
export function fixedMessageCode(message: string): ProblemItemCode | undefined {
  return CODE_OF_FIXED_MESSAGE.get(message);
}

/**
 * Why a request with a generic code (conflict, unprocessable…) was refused: a stable reason and its English wording,
 * sent as the problem's `reason` and `reasonParams` beside its `detail`, so that a client can say the detail in the
 * reader's language (`reasons.<reason>` in the web app's language files; a test checks each is there).
 */
export const PROBLEM_REASONS = {
  absence_signed: 'This learner signed the session: there is no absence to excuse.',
  session_cancelled: 'This session is cancelled: there is nothing to sign.',
  session_cancelled_walk_in: 'This session is cancelled: no one can be added to it.',
  sheet_changed: 'The attendance sheet changed while you were signing; please sign again.',
  no_review_pending: 'No signature of this learner is waiting for a decision: only a signature made after the learner was marked absent or excused is confirmed or rejected.',
  reviews_pending: '{{count}} signature(s) made after the learner was marked absent or excused wait for a decision: confirm or reject each before locking the sheet.',
  cohort_archived_import: 'The cohort "{{cohort}}" is archived; restore it before importing into it.',
  objection_answered: 'This objection has already been answered.',
  prediction_without_estimate: 'This week says "not enough data yet": there is no estimate to object to.',
  model_not_trained: 'Model version {{version}} is {{status}}: it has no trained model yet.',
  model_not_ready: 'Model version {{version}} is {{status}}: only a ready model scores learners.',
  attribute_not_recorded: 'No value of the group attribute "{{attribute}}" is recorded: record it with a legal basis first (POST /api/v1/analytics/group-attributes).',
  training_ended: 'This training has already ended ({{status}}): there is nothing to cancel.',
  training_not_cancellable: 'This training cannot be cancelled from here: it has finished training and is scoring the learners, or it runs in another server process.',
  training_running: 'Model version {{version}} is already training (job {{job}}); wait for it to finish.',
  questionnaire_not_published_close: 'Only a published questionnaire can be closed; this one is {{status}}.',
  questionnaire_not_published_distribute: 'Only a published questionnaire can be distributed; this one is {{status}}.',
  last_section: 'A questionnaire keeps at least one section.',
  last_admin: 'This is the last active admin of the organisation; make someone else admin first.',
  // Who may do what (forbidden)
  person_only_qr: 'Signing by QR code is for a signed-in person, not an API key.',
  trainer_of_session_only: 'Only a trainer of this session can {{doing}}.',
  trainer_of_session_or_staff_only: 'Only a trainer of this session or staff can {{doing}}.',
  kiosk_person_only: 'The kiosk runs on a trainer’s signed-in session.',
  sheets_staff_or_trainer_only: 'Only staff or a trainer can list attendance sheets.',
  trainer_signs_in_person: 'A trainer signs from their own signed-in session.',
  amend_manager_only: 'Only a manager or an admin (a person, not an API key) can amend a locked sheet.',
  justify_own_absences_only: 'Only a learner justifies their own absences (signed in as that learner).',
  justifications_learner_or_manager: 'Absence justifications are seen by the learner concerned and by managers.',
  sheets_staff_or_session_trainer: 'Attendance sheets are for staff and the trainers of the session.',
  certificate_staff_or_learner: 'A certificate is for staff and the learner it names.',
  risk_list_staff_or_trainer: 'The risk list is for staff and trainers; learners see their own predictions at /me/risk.',
  own_predictions_person_only: 'Only a signed-in person has predictions of their own.',
  objection_person_only: 'Only the person concerned may object to a prediction.',
  results_staff_or_trainer: 'Results are read by staff, and by trainers for their own cohorts.',
  role_admin_or_manager: 'This requires the admin or manager role.',
  questionnaires_staff_or_trainer: 'Questionnaires are read by staff and trainers; learners answer through their personal link.',
  admin_changes_admin_only: 'Only an admin can change an admin.',
  role_admin: 'This requires the admin role.',
  api_keys_admin_only: 'Only a signed-in admin can manage API keys.',
} as const satisfies Record<string, string>;

export type ProblemReason = keyof typeof PROBLEM_REASONS;

/** The English detail of a reason with its params. */
export function reasonMessage(reason: ProblemReason, params: ProblemParams = {}): string {
  return fill(PROBLEM_REASONS[reason], params);
}
