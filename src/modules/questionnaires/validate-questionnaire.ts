import type { ProblemItem } from '../../platform/errors/app-error.ts';
import type { QuestionnaireKind } from './questionnaire.table.ts';
import type { QuestionDef } from './scoring.ts';

const CHOICE_TYPES = new Set(['single', 'multiple', 'ranking', 'likert']);

/** The codes of publication problems (each item's `code`; the web app words them in the reader's language). */
export const PUBLISH_PROBLEM_CODES = [
  'questions_missing', 'option_ids_repeated', 'options_insufficient', 'likert_rows_missing', 'rating_range_invalid', 'points_negative',
  'condition_not_earlier', 'condition_value_unknown', 'correct_answer_missing', 'single_choice_many_correct', 'correct_order_incomplete', 'bank_too_small',
] as const;
export type PublishProblem = ProblemItem & { code: (typeof PUBLISH_PROBLEM_CODES)[number] };

/**
 * What stops a questionnaire from being published, question by question
 * (`questions` in display order): option ids unique and present where the type
 * needs them, conditions referring to an EARLIER question only, quiz questions
 * with a right answer, points ≥ 0, consistent scales.
 */
export function findPublishProblems(kind: QuestionnaireKind, questions: readonly QuestionDef[], drawnSections: number): PublishProblem[] {
  const problems: PublishProblem[] = [];
  if (questions.length === 0 && drawnSections === 0) problems.push({ path: 'questions', code: 'questions_missing', message: 'a questionnaire needs at least one question' });
  const quiz = kind === 'quiz' || kind === 'positioning';
  const earlier = new Map<string, QuestionDef>();
  questions.forEach((q, i) => {
    const at = (field: string) => `questions.${i}${field ? `.${field}` : ''} (${q.id})`;
    const ids = q.options.map((o) => o.id);
    if (new Set(ids).size !== ids.length) problems.push({ path: at('options'), code: 'option_ids_repeated', message: 'option ids must be unique within the question' });
    if (CHOICE_TYPES.has(q.type) && q.options.length < 2) problems.push({ path: at('options'), code: 'options_insufficient', message: 'needs at least two options' });
    if (q.type === 'likert' && (q.settings.rows ?? []).length === 0) problems.push({ path: at('settings.rows'), code: 'likert_rows_missing', message: 'a Likert question needs at least one statement' });
    if (q.type === 'rating' && (q.settings.min ?? 1) >= (q.settings.max ?? 5)) problems.push({ path: at('settings'), code: 'rating_range_invalid', message: 'min must be below max' });
    if (!(q.points >= 0)) problems.push({ path: at('points'), code: 'points_negative', message: 'points must be zero or more' });
    if (q.displayIf) {
      const ref = earlier.get(q.displayIf.questionId);
      if (!ref) problems.push({ path: at('displayIf.questionId'), code: 'condition_not_earlier', message: 'a condition must refer to an earlier question of this questionnaire' });
      else if ((ref.type === 'single' || ref.type === 'multiple') && typeof q.displayIf.value === 'string' && q.displayIf.operator !== 'answered' && !ref.options.some((o) => o.id === q.displayIf!.value)) {
        problems.push({ path: at('displayIf.value'), code: 'condition_value_unknown', params: { value: String(q.displayIf.value) }, message: `"${q.displayIf.value}" is not an option of the question it refers to` });
      }
    }
    if (quiz && q.points > 0) {
      const hasAnswer =
        q.type === 'single' || q.type === 'multiple'
          ? q.options.some((o) => o.correct === true || (o.weight ?? 0) > 0)
          : q.type === 'number'
            ? typeof q.settings.correctNumber === 'number'
            : q.type === 'short_text'
              ? (q.settings.acceptedAnswers ?? []).length > 0
              : q.type === 'ranking'
                ? (q.settings.correctOrder ?? []).length > 0
                : false;
      if (!hasAnswer) problems.push({ path: at(''), code: 'correct_answer_missing', message: 'a quiz question with points needs a correct answer' });
      if (q.type === 'single' && q.options.filter((o) => o.correct).length > 1) problems.push({ path: at('options'), code: 'single_choice_many_correct', message: 'a single-choice question has one correct option' });
    }
    if (q.type === 'ranking' && q.settings.correctOrder && (q.settings.correctOrder.length !== ids.length || !q.settings.correctOrder.every((id) => ids.includes(id)))) {
      problems.push({ path: at('settings.correctOrder'), code: 'correct_order_incomplete', message: 'must list every option id once' });
    }
    earlier.set(q.id, q);
  });
  return problems;
}
