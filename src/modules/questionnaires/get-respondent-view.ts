import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { presentQuestionForRespondent } from './questionnaire.presenter.ts';
import { closedReason, respondentQuestions, savedAnswers, withRespondent } from './respondent-context.ts';

/**
 * What the respondent page shows for a personal link: the questionnaire
 * (without correct answers), the saved draft, and the result once submitted.
 * Reading does not create a response (draws happen at the first save).
 */
export async function getRespondentView(deps: { db: Db; clock: Clock }, token: string) {
  return withRespondent(deps.db, token, async (trx, rc) => {
    const q = rc.loaded.questionnaire;
    const questions = await respondentQuestions(trx, rc, rc.response?.drawn_question_ids ?? null);
    const answers = await savedAnswers(trx, rc.response?.id);
    const settingsClose = q.settings?.closesAt ? new Date(q.settings.closesAt) : null;
    const closes = [rc.distribution.closes_at, settingsClose].filter((d): d is Date => !!d).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
    const submitted = rc.response?.status === 'submitted';
    // Anonymous: answered through another of the invitation's links (that response cannot be found from this one).
    const answeredElsewhere = rc.anonymous && rc.invitation.responded && !submitted;
    const canSubmit = closedReason(rc, deps.clock.now()) === null && !answeredElsewhere && (!submitted || q.settings?.allowResubmission === true);
    const maxScore = rc.response?.max_score !== null && rc.response?.max_score !== undefined ? Number(rc.response.max_score) : null;
    return {
      questionnaire: { id: q.id, kind: q.kind, title: q.title, description: q.description, locale: q.locale, anonymous: q.anonymous, closesAt: closes?.toISOString() ?? null },
      sections: rc.loaded.sections.map((s) => ({ id: s.id, title: s.title, description: s.description, questions: questions.filter((x) => x.section_id === s.id || (s.draw && x.bank_id === s.draw.bankId)).map(presentQuestionForRespondent) })),
      response: {
        status: rc.response?.status ?? ('draft' as const),
        answers: [...answers].map(([questionId, value]) => ({ questionId, value })),
        submittedAt: rc.response?.submitted_at?.toISOString() ?? null,
        canSubmit,
        result:
          submitted && maxScore !== null && maxScore > 0
            ? { score: Number(rc.response!.score), maxScore, percent: Math.round((Number(rc.response!.score) / maxScore) * 10_000) / 100, passed: rc.response!.passed }
            : null,
      },
    };
  });
}
