import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import type { Tx } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { closedReason, drawQuestions, type IncomingAnswers, mergeAnswers, refuseClientScore, type RespondentContext, type ResponseRow, respondentQuestions, savedAnswers, toQuestionDef, withRespondent } from './respondent-context.ts';
import type { AnswerValue } from './scoring.ts';

/** The respondent's response row, created (with its drawn questions) on first save. */
export async function ensureResponse(trx: Tx, rc: RespondentContext): Promise<ResponseRow> {
  if (rc.response) return rc.response;
  let moduleId: string | null = null;
  let sessionId: string | null = null;
  if (rc.distribution.target_type === 'session') {
    sessionId = rc.distribution.target_id;
    moduleId = (await trx.selectFrom('sessions').select('module_id').where('id', '=', sessionId).executeTakeFirst())?.module_id ?? null;
  } else if (rc.distribution.target_type === 'module') moduleId = rc.distribution.target_id;
  const row = await trx
    .insertInto('questionnaire_responses')
    .values({
      organisation_id: rc.invitation.organisation_id,
      questionnaire_id: rc.loaded.questionnaire.id,
      distribution_id: rc.distribution.id,
      // Anonymous: no person, no invitation — only the key derived from the token finds it again.
      invitation_id: rc.anonymous ? null : rc.invitation.id,
      person_id: rc.anonymous ? null : rc.invitation.person_id,
      resume_key_hash: rc.resumeKeyHash,
      cohort_id: rc.invitation.cohort_id,
      module_id: moduleId,
      session_id: sessionId,
      drawn_question_ids: await drawQuestions(trx, rc),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  rc.response = row;
  return row;
}

/** Replaces the stored answers of a response by `answers` (one transaction: all or nothing). */
export async function writeAnswers(trx: Tx, organisationId: string, responseId: string, answers: ReadonlyMap<string, AnswerValue>, scores?: ReadonlyMap<string, { score: number; max: number }>) {
  await trx.deleteFrom('questionnaire_answers').where('response_id', '=', responseId).execute();
  const rows = [...answers].map(([questionId, value]) => ({
    organisation_id: organisationId,
    response_id: responseId,
    question_id: questionId,
    value: JSON.stringify(value),
    score: scores?.get(questionId)?.score ?? null,
    max_score: scores?.get(questionId)?.max ?? null,
  }));
  if (rows.length) await trx.insertInto('questionnaire_answers').values(rows).execute();
}

/**
 * Saves answers in progress (save and resume). Each save is one transaction:
 * a dropped connection leaves the previous save intact, never half of a new one.
 */
export async function saveDraft(deps: { db: Db; clock: Clock }, token: string, body: IncomingAnswers) {
  refuseClientScore(body);
  return withRespondent(deps.db, token, async (trx, rc) => {
    const closed = closedReason(rc, deps.clock.now());
    if (closed) throw new AppError('questionnaire_closed', closed);
    // A submitted response changes only through a new submission (when the questionnaire allows it), so its score always matches its answers.
    if (rc.response?.status === 'submitted') {
      throw new AppError('response_already_submitted', rc.loaded.questionnaire.settings?.allowResubmission ? 'You have already answered; send your changed answers with a new submission.' : 'You have already answered this questionnaire.');
    }
    if (rc.anonymous && rc.invitation.responded) throw new AppError('response_already_submitted', 'You have already answered this questionnaire through another of your links.');
    const response = await ensureResponse(trx, rc);
    const questions = (await respondentQuestions(trx, rc, response.drawn_question_ids)).map(toQuestionDef);
    const { merged, visible } = mergeAnswers(questions, await savedAnswers(trx, response.id), body.answers);
    await writeAnswers(trx, response.organisation_id, response.id, merged);
    return { status: 'draft' as const, savedAnswers: merged.size, visibleQuestionIds: questions.filter((q) => visible.has(q.id)).map((q) => q.id) };
  });
}
