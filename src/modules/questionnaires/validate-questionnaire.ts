import type { ProblemItem } from '../../platform/errors/app-error.ts';
import { problemItem, type ProblemItemCode } from '../../platform/errors/problem-items.ts';
import type { QuestionnaireKind } from './questionnaire.table.ts';
import type { QuestionDef } from './scoring.ts';

const CHOICE_TYPES = new Set(['single', 'multiple', 'ranking', 'likert']);

/** A publication problem: its `code` (worded in the reader's language by the web app) and where. */
export type PublishProblem = ProblemItem & { code: ProblemItemCode };

/**
 * What stops a questionnaire from being published, question by question
 * (`questions` in display order): option ids unique and present where the type
 * needs them, conditions referring to an EARLIER question only, quiz questions
 * with a right answer, points ≥ 0, consistent scales.
 */
export function findPublishProblems(kind: QuestionnaireKind, questions: readonly QuestionDef[], drawnSections: number): PublishProblem[] {
  const problems: PublishProblem[] = [];
  if (questions.length === 0 && drawnSections === 0) problems.push(problemItem('questions', 'questions_missing'));
  const quiz = kind === 'quiz' || kind === 'positioning';
  const earlier = new Map<string, QuestionDef>();
  questions.forEach((q, i) => {
    const at = (field: string) => `questions.${i}${field ? `.${field}` : ''} (${q.id})`;
    const ids = q.options.map((o) => o.id);
    if (new Set(ids).size !== ids.length) problems.push(problemItem(at('options'), 'option_ids_repeated'));
    if (CHOICE_TYPES.has(q.type) && q.options.length < 2) problems.push(problemItem(at('options'), 'options_insufficient'));
    if (q.type === 'likert' && (q.settings.rows ?? []).length === 0) problems.push(problemItem(at('settings.rows'), 'likert_rows_missing'));
    if (q.type === 'rating' && (q.settings.min ?? 1) >= (q.settings.max ?? 5)) problems.push(problemItem(at('settings'), 'rating_range_invalid'));
    if (!(q.points >= 0)) problems.push(problemItem(at('points'), 'points_negative'));
    if (q.displayIf) {
      const ref = earlier.get(q.displayIf.questionId);
      if (!ref) problems.push(problemItem(at('displayIf.questionId'), 'condition_not_earlier'));
      else if ((ref.type === 'single' || ref.type === 'multiple') && typeof q.displayIf.value === 'string' && q.displayIf.operator !== 'answered' && !ref.options.some((o) => o.id === q.displayIf!.value)) {
        problems.push(problemItem(at('displayIf.value'), 'condition_value_unknown', { value: String(q.displayIf.value) }));
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
      if (!hasAnswer) problems.push(problemItem(at(''), 'correct_answer_missing'));
      if (q.type === 'single' && q.options.filter((o) => o.correct).length > 1) problems.push(problemItem(at('options'), 'single_choice_many_correct'));
    }
    if (q.type === 'ranking' && q.settings.correctOrder && (q.settings.correctOrder.length !== ids.length || !q.settings.correctOrder.every((id) => ids.includes(id)))) {
      problems.push(problemItem(at('settings.correctOrder'), 'correct_order_incomplete'));
    }
    earlier.set(q.id, q);
  });
  return problems;
}
