import { randomInt } from 'node:crypto';
import { type Selectable, sql } from 'kysely';
import { hashToken } from '../../platform/auth/tokens.ts';
import type { Db } from '../../platform/db/database.ts';
import { type Tx, withTenant } from '../../platform/db/tenant.ts';
import { AppError, type ProblemItem } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import type { QuestionnaireDistributionsTable, QuestionnaireInvitationsTable, QuestionnaireResponsesTable } from './questionnaire.table.ts';
import { loadQuestionnaire, type LoadedQuestionnaire, type QuestionRow, toQuestionDef } from './questionnaire.repository.ts';
import { type AnswerValue, AnswerProblem, normaliseAnswer, type QuestionDef, visibleQuestionIds } from './scoring.ts';

export type ResponseRow = Selectable<QuestionnaireResponsesTable>;

export interface RespondentContext {
  invitation: Selectable<QuestionnaireInvitationsTable>;
  distribution: Selectable<QuestionnaireDistributionsTable>;
  loaded: LoadedQuestionnaire;
  anonymous: boolean;
  resumeKeyHash: string;
  response: ResponseRow | undefined;
}

/**
 * The key that finds a respondent's response again: derived from their token,
 * different from the stored token hash. For an anonymous questionnaire it is
 * the only way back to the response, so nothing stored joins the two.
 */
export function resumeKeyHash(token: string): string {
  return hashToken(`questionnaire-response:${token}`);
}

const linkInvalid = () => new AppError('questionnaire_link_invalid', 'This questionnaire link is not valid.');

/** Runs `fn` in the tenant of the token's invitation; an unknown token gets 401 questionnaire_link_invalid. */
export async function withRespondent<T>(db: Db, token: string, fn: (trx: Tx, rc: RespondentContext) => Promise<T>): Promise<T> {
  const tokenHash = hashToken(token);
  const found = await db.selectFrom('questionnaire_invitation_tokens').select(['organisation_id']).where('token_hash', '=', tokenHash).executeTakeFirst();
  if (!found) throw linkInvalid();
  return withTenant(db, found.organisation_id, async (trx) => {
    const link = await trx.selectFrom('questionnaire_invitation_tokens').select('invitation_id').where('token_hash', '=', tokenHash).executeTakeFirstOrThrow();
    // Concurrent saves and submits through one invitation's links run one after the other (one response, no lost
    // update). The lock is an advisory one, not FOR UPDATE: a row lock writes this transaction's id into the
    // invitation row (xmax), which for an anonymous questionnaire would pair the invitation with the response.
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`questionnaire-invitation:${link.invitation_id}`}))`.execute(trx);
    const invitation = await trx.selectFrom('questionnaire_invitations').selectAll().where('id', '=', link.invitation_id).executeTakeFirstOrThrow();
    const distribution = await trx.selectFrom('questionnaire_distributions').selectAll().where('id', '=', invitation.distribution_id).executeTakeFirstOrThrow();
    const loaded = await loadQuestionnaire(trx, invitation.questionnaire_id);
    if (!loaded) throw linkInvalid();
    const anonymous = loaded.questionnaire.anonymous;
    const key = resumeKeyHash(token);
    const response = anonymous
      ? await trx.selectFrom('questionnaire_responses').selectAll().where('resume_key_hash', '=', key).executeTakeFirst()
      : await trx.selectFrom('questionnaire_responses').selectAll().where('invitation_id', '=', invitation.id).executeTakeFirst();
    return fn(trx, { invitation, distribution, loaded, anonymous, resumeKeyHash: key, response });
  });
}

/** Why answers are no longer accepted, or null when they are. */
export function closedReason(rc: RespondentContext, now: Date): string | null {
  const q = rc.loaded.questionnaire;
  if (q.status === 'closed') return 'This questionnaire is closed.';
  if (q.status !== 'published') return 'This questionnaire is not open.';
  if (rc.distribution.status === 'closed' || (rc.distribution.closes_at && rc.distribution.closes_at <= now)) return 'This questionnaire closed on ' + (rc.distribution.closes_at?.toISOString() ?? 'its closing date') + '.';
  const closesAt = q.settings?.closesAt ? new Date(q.settings.closesAt) : null;
  if (closesAt && closesAt <= now) return `This questionnaire closed on ${closesAt.toISOString()}.`;
  return null;
}

/**
 * The questions this respondent answers, in display order: each section's own
 * questions, then the questions drawn for them from the section's bank (drawn
 * once, when the response is created, and kept).
 */
export async function respondentQuestions(trx: Tx, rc: RespondentContext, drawn: string[] | null): Promise<QuestionRow[]> {
  const out: QuestionRow[] = [];
  const drawnRows = drawn && drawn.length ? await trx.selectFrom('questions').selectAll().where('id', 'in', drawn).execute() : [];
  for (const s of rc.loaded.sections) {
    out.push(...rc.loaded.questions.filter((q) => q.section_id === s.id));
    if (s.draw) out.push(...drawnRows.filter((q) => q.bank_id === s.draw!.bankId).sort((a, b) => drawn!.indexOf(a.id) - drawn!.indexOf(b.id)));
  }
  return out;
}

/** Draws the bank questions of each section with a draw rule (uniformly, without replacement). */
export async function drawQuestions(trx: Tx, rc: RespondentContext): Promise<string[] | null> {
  const drawing = rc.loaded.sections.filter((s) => s.draw);
  if (drawing.length === 0) return null;
  const ids: string[] = [];
  for (const s of drawing) {
    const pool = (await trx.selectFrom('questions').select('id').where('bank_id', '=', s.draw!.bankId).where('questionnaire_id', 'is', null).orderBy('id').execute()).map((r) => r.id);
    for (let i = pool.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    ids.push(...pool.slice(0, s.draw!.count));
  }
  return ids;
}

/** Saved answers of a response, as a map question id → value. */
export async function savedAnswers(trx: Tx, responseId: string | undefined): Promise<Map<string, AnswerValue>> {
  if (!responseId) return new Map();
  const rows = await trx.selectFrom('questionnaire_answers').select(['question_id', 'value']).where('response_id', '=', responseId).execute();
  return new Map(rows.map((r) => [r.question_id, r.value]));
}

export interface IncomingAnswers {
  answers: Array<{ questionId: string; value?: unknown; score?: unknown }>;
  score?: unknown;
  maxScore?: unknown;
  passed?: unknown;
}

/** A client never sends a score: scores are computed on the server only. */
export function refuseClientScore(body: IncomingAnswers): void {
  const paths: string[] = [];
  for (const k of ['score', 'maxScore', 'passed'] as const) if (body[k] !== undefined) paths.push(`body.${k}`);
  body.answers.forEach((a, i) => {
    if (a.score !== undefined) paths.push(`body.answers.${i}.score`);
  });
  if (paths.length) throw new AppError('score_not_accepted', 'Scores are computed by the server; a score sent with the answers is refused.', { errors: paths.map((path) => problemItem(path, 'score_not_sent')) });
}

/**
 * Merges incoming answers into the saved ones and checks them: every question
 * must be one this respondent is shown; option ids must be this question's own;
 * an answer to a question hidden by its condition (given the respondent's own
 * answers) is refused. A null value clears an answer. Saved answers that the
 * new answers hide are dropped. Returns the merged answers and the visible set.
 */
export function mergeAnswers(questions: readonly QuestionDef[], saved: ReadonlyMap<string, AnswerValue>, incoming: IncomingAnswers['answers']) {
  const byId = new Map(questions.map((q) => [q.id, q]));
  const merged = new Map(saved);
  const errors: Array<{ kind: 'question_unknown' | 'option_unknown' | 'answer_invalid'; item: ProblemItem }> = [];
  incoming.forEach((a, i) => {
    const q = byId.get(a.questionId);
    if (!q) {
      errors.push({ kind: 'question_unknown', item: problemItem(`body.answers.${i}.questionId`, 'question_unknown') });
      return;
    }
    if (a.value === null || a.value === undefined) {
      merged.delete(q.id);
      return;
    }
    try {
      merged.set(q.id, normaliseAnswer(q, a.value));
    } catch (e) {
      if (!(e instanceof AnswerProblem)) throw e;
      errors.push({ kind: e.kind === 'unknown_option' ? 'option_unknown' : 'answer_invalid', item: problemItem(`body.answers.${i}.value`, e.code, e.params) });
    }
  });
  if (errors.length) {
    const code = errors.some((e) => e.kind === 'option_unknown') ? 'option_unknown' : errors.some((e) => e.kind === 'question_unknown') ? 'question_unknown' : 'answer_invalid';
    throw new AppError(code, code === 'option_unknown' ? 'Some answers use options that do not belong to their question.' : code === 'question_unknown' ? 'Some answers are for questions that are not in this questionnaire.' : 'Some answers are not valid.', { errors: errors.map((e) => e.item) });
  }
  const visible = visibleQuestionIds(questions, merged);
  const hidden = incoming.map((a, i) => ({ a, i })).filter(({ a }) => a.value !== null && a.value !== undefined && !visible.has(a.questionId));
  if (hidden.length) {
    throw new AppError('question_hidden', 'Some answers are for questions that are not shown, given your earlier answers.', { errors: hidden.map(({ i }) => problemItem(`body.answers.${i}.questionId`, 'question_hidden')) });
  }
  for (const id of [...merged.keys()]) if (!visible.has(id)) merged.delete(id);
  return { merged, visible };
}

export { toQuestionDef };
