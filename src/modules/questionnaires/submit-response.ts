import { isDeepStrictEqual } from 'node:util';
import { systemCtx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import { closedReason, type IncomingAnswers, mergeAnswers, refuseClientScore, respondentQuestions, savedAnswers, toQuestionDef, withRespondent } from './respondent-context.ts';
import { ensureResponse, writeAnswers } from './save-draft.ts';
import { isAnswered, scoreResponse } from './scoring.ts';

/** Midnight UTC of the day: the only submission time kept for an anonymous response. */
const dayOf = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));

/**
 * Submits the response: the answers sent are merged into the saved draft,
 * checked (hidden questions, foreign options, required answers missing —
 * named), scored on the server, stored with the per-question and per-skill
 * scores. Once: a retry with the same answers returns the first result
 * (idempotent); different answers update the response if the questionnaire
 * allows resubmission, and are refused otherwise.
 */
export async function submitResponse(deps: { db: Db; clock: Clock }, token: string, body: IncomingAnswers) {
  refuseClientScore(body);
  return withRespondent(deps.db, token, async (trx, rc) => {
    const now = deps.clock.now();
    const settings = rc.loaded.questionnaire.settings ?? {};
    const existing = rc.response;
    const response = await ensureResponse(trx, rc);
    const questions = (await respondentQuestions(trx, rc, response.drawn_question_ids)).map(toQuestionDef);
    const saved = await savedAnswers(trx, response.id);
    const closed = closedReason(rc, now);

    if (existing?.status === 'submitted') {
      // A retry (nothing new sent, or the same answers): the first result, unchanged.
      const { merged } = body.answers.length ? mergeAnswers(questions, saved, body.answers) : { merged: saved };
      if (isDeepStrictEqual(Object.fromEntries(merged), Object.fromEntries(saved))) return present(existing.submitted_at!, true, scoreResponse(questions, saved, settings.passingScore), questions, saved, settings);
      if (closed) throw new AppError('questionnaire_closed', closed);
      if (!settings.allowResubmission) throw new AppError('response_already_submitted', 'You have already answered this questionnaire; it does not accept a second submission.');
    } else if (closed) throw new AppError('questionnaire_closed', closed);
    else if (rc.anonymous && rc.invitation.responded) {
      // Anonymous: each link of an invitation finds its own response (nothing stored joins them); the invitation's
      // flag is what keeps a second link from adding a second response.
      throw new AppError('response_already_submitted', 'You have already answered this questionnaire through another of your links.');
    }

    const { merged, visible } = mergeAnswers(questions, saved, body.answers);
    const missing = questions.filter((q) => q.required && visible.has(q.id) && !isAnswered(merged.get(q.id)));
    if (missing.length) {
      throw new AppError('answers_missing', `${missing.length} required question(s) are not answered: ${missing.map((q) => `"${q.prompt.slice(0, 80)}"`).join(', ')}.`, {
        errors: missing.map((q) => problemItem(`answers.${q.id}`, 'answer_required', { prompt: q.prompt.slice(0, 200) })),
      });
    }
    const summary = scoreResponse(questions, merged, settings.passingScore);
    await writeAnswers(trx, response.organisation_id, response.id, merged, summary.perQuestion);
    const graded = summary.maxScore > 0;
    const submittedAt = rc.anonymous ? dayOf(now) : now;
    await trx
      .updateTable('questionnaire_responses')
      .set({ status: 'submitted', submitted_at: submittedAt, submissions: response.submissions + 1, score: graded ? summary.score : null, max_score: graded ? summary.maxScore : null, passed: summary.passed, skill_scores: graded ? JSON.stringify(summary.perSkill) : null })
      .where('id', '=', response.id)
      .execute();
    // Anonymous: this flag (no time, no response id) is written in the response's transaction, so for a few minutes
    // the two rows share a transaction id (xmin); the distribution run rewrites the distribution's invitations
    // together (restampAnonymousInvitations), after which nothing pairs them.
    await trx.updateTable('questionnaire_invitations').set({ responded: true }).where('id', '=', rc.invitation.id).execute();
    // Anonymous: no audit row here — written in this transaction, it would share the response's transaction id and
    // give its exact time. The distribution run records the count of anonymous responses instead (auditAnonymousResponses).
    if (!rc.anonymous) {
      await recordAuditEvent(trx, systemCtx(response.organisation_id), { type: 'questionnaire.response_submitted', subjectType: 'questionnaire_response', subjectId: response.id, payload: { anonymous: false, resubmission: existing?.status === 'submitted' } });
    }
    return present(submittedAt, false, summary, questions, merged, settings);
  });

  function present(submittedAt: Date, replayed: boolean, summary: ReturnType<typeof scoreResponse>, questions: ReturnType<typeof toQuestionDef>[], answers: ReadonlyMap<string, unknown>, settings: { showFeedback?: boolean }) {
    // No score to show (a survey), or the author chose not to show the score and feedback: the respondent gets none
    // (the score is still stored for the results).
    const hidden = settings.showFeedback === false;
    if (summary.maxScore === 0 || hidden) return { status: 'submitted' as const, submittedAt: submittedAt.toISOString(), replayed, result: null };
    const feedback = [...summary.perQuestion].map(([questionId, s]) => {
      const q = questions.find((x) => x.id === questionId)!;
      const answer = answers.get(questionId);
      const chosen = new Set(Array.isArray(answer) ? answer : [answer]);
      return { questionId, score: s.score, max: s.max, feedback: [q.settings.feedback, ...q.options.filter((o) => chosen.has(o.id)).map((o) => o.feedback)].filter((f): f is string => !!f) };
    });
    return { status: 'submitted' as const, submittedAt: submittedAt.toISOString(), replayed, result: { score: summary.score, maxScore: summary.maxScore, percent: summary.percent, passed: summary.passed, skills: summary.perSkill, feedback } };
  }
}
