import { itemMessage, type ProblemItemCode, type ProblemParams } from '../../platform/errors/problem-items.ts';
import type { DisplayCondition, QuestionOption, QuestionSettings, QuestionType } from './questionnaire.table.ts';

/** A question as the rules see it (independent of storage). */
export interface QuestionDef {
  id: string;
  type: QuestionType;
  prompt: string;
  required: boolean;
  options: QuestionOption[];
  settings: QuestionSettings;
  displayIf: DisplayCondition | null;
  points: number;
  skills: string[];
}

export type AnswerValue = unknown;

/** Why an answer value is refused: its kind, and a problem code with params (worded in the reader's language). */
export class AnswerProblem extends Error {
  readonly kind: 'invalid' | 'unknown_option';
  readonly code: ProblemItemCode;
  readonly params: ProblemParams | undefined;
  constructor(kind: 'invalid' | 'unknown_option', code: ProblemItemCode, params?: ProblemParams) {
    super(itemMessage(code, params));
    this.kind = kind;
    this.code = code;
    this.params = params;
  }
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/**
 * Checks an answer value against its question's type and returns the
 * normalised value; throws AnswerProblem. Option ids must belong to THIS
 * question: an id from another question or questionnaire is refused.
 */
export function normaliseAnswer(q: QuestionDef, value: AnswerValue): AnswerValue {
  const optionIds = new Set(q.options.map((o) => o.id));
  const checkOption = (id: unknown) => {
    if (typeof id !== 'string') throw new AnswerProblem('invalid', 'answer_option_id');
    if (!optionIds.has(id)) throw new AnswerProblem('unknown_option', 'answer_option_unknown', { id });
    return id;
  };
  switch (q.type) {
    case 'single':
      return checkOption(value);
    case 'multiple': {
      if (!Array.isArray(value)) throw new AnswerProblem('invalid', 'answer_option_list');
      const ids = value.map(checkOption);
      if (new Set(ids).size !== ids.length) throw new AnswerProblem('invalid', 'answer_option_twice');
      return ids;
    }
    case 'ranking': {
      if (!Array.isArray(value)) throw new AnswerProblem('invalid', 'answer_ranking_list');
      const ids = value.map(checkOption);
      if (new Set(ids).size !== ids.length || ids.length !== optionIds.size) throw new AnswerProblem('invalid', 'answer_ranking_incomplete');
      return ids;
    }
    case 'rating': {
      const min = q.settings.min ?? 1;
      const max = q.settings.max ?? 5;
      if (!isInt(value) || value < min || value > max) throw new AnswerProblem('invalid', 'answer_whole_number_range', { min, max });
      return value;
    }
    case 'nps':
      if (!isInt(value) || value < 0 || value > 10) throw new AnswerProblem('invalid', 'answer_whole_number_range', { min: 0, max: 10 });
      return value;
    case 'likert': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AnswerProblem('invalid', 'answer_likert_map');
      const rows = new Set((q.settings.rows ?? []).map((r) => r.id));
      const out: Record<string, string> = {};
      for (const [rowId, optionId] of Object.entries(value)) {
        if (!rows.has(rowId)) throw new AnswerProblem('unknown_option', 'answer_statement_unknown', { id: rowId });
        out[rowId] = checkOption(optionId);
      }
      return out;
    }
    case 'short_text':
    case 'long_text': {
      const limit = q.type === 'short_text' ? 500 : 10_000;
      if (typeof value !== 'string') throw new AnswerProblem('invalid', 'answer_text');
      if (value.length > limit) throw new AnswerProblem('invalid', 'answer_text_too_long', { max: limit });
      return value;
    }
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new AnswerProblem('invalid', 'answer_number');
      if (q.settings.min !== undefined && value < q.settings.min) throw new AnswerProblem('invalid', 'answer_number_too_small', { min: q.settings.min });
      if (q.settings.max !== undefined && value > q.settings.max) throw new AnswerProblem('invalid', 'answer_number_too_big', { max: q.settings.max });
      return value;
    }
    case 'date': {
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new AnswerProblem('invalid', 'date_format');
      const d = new Date(`${value}T00:00:00Z`);
      if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) throw new AnswerProblem('invalid', 'date_not_calendar');
      return value;
    }
  }
}

/** Whether an answer counts as given (empty text and empty lists do not). */
export function isAnswered(value: AnswerValue): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim().length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** Whether a condition holds for the answer given to the question it refers to. */
export function conditionHolds(cond: DisplayCondition, answer: AnswerValue): boolean {
  if (cond.operator === 'answered') return isAnswered(answer);
  if (!isAnswered(answer)) return false;
  switch (cond.operator) {
    case 'equals':
      return Array.isArray(answer) ? answer.length === 1 && answer[0] === cond.value : answer === cond.value;
    case 'not_equals':
      return Array.isArray(answer) ? !(answer.length === 1 && answer[0] === cond.value) : answer !== cond.value;
    case 'includes':
      return Array.isArray(answer) ? answer.includes(cond.value) : typeof answer === 'string' && typeof cond.value === 'string' && answer.toLowerCase().includes(cond.value.toLowerCase());
    case 'gt':
      return typeof answer === 'number' && typeof cond.value === 'number' && answer > cond.value;
    case 'lt':
      return typeof answer === 'number' && typeof cond.value === 'number' && answer < cond.value;
  }
}

/**
 * The questions shown to a respondent, in order, given their own answers:
 * a question with a condition is shown when the earlier question it refers to
 * is shown and its answer satisfies the condition.
 */
export function visibleQuestionIds(questions: readonly QuestionDef[], answers: ReadonlyMap<string, AnswerValue>): Set<string> {
  const visible = new Set<string>();
  for (const q of questions) {
    if (!q.displayIf) {
      visible.add(q.id);
      continue;
    }
    const ref = q.displayIf.questionId;
    if (visible.has(ref) && conditionHolds(q.displayIf, answers.get(ref))) visible.add(q.id);
  }
  return visible;
}

/** Whether the question is graded: it has points and a definition of the right answer. */
export function isGraded(q: QuestionDef): boolean {
  if (q.points <= 0) return false;
  switch (q.type) {
    case 'single':
    case 'multiple':
      return q.options.some((o) => o.correct === true || (o.weight ?? 0) > 0);
    case 'number':
      return typeof q.settings.correctNumber === 'number';
    case 'short_text':
      return (q.settings.acceptedAnswers ?? []).length > 0;
    case 'ranking':
      return (q.settings.correctOrder ?? []).length > 0;
    default:
      return false;
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * The score of one answer, between 0 and the question's points. Computed on the
 * server only.
 * - single: all or nothing (an option weight in percent, as in Moodle/GIFT, gives partial credit).
 * - multiple: 'partial' (default): (correct chosen − wrong chosen) / number of correct, floored at 0;
 *   'all_or_nothing': exactly the correct set.
 * - number: |answer − expected| ≤ tolerance.
 * - short_text: one of the accepted answers (case and spaces ignored).
 * - ranking: exact order, or with partialCredit the share of options at their right place.
 */
export function scoreAnswer(q: QuestionDef, value: AnswerValue): number {
  if (!isGraded(q) || !isAnswered(value)) return 0;
  const points = q.points;
  switch (q.type) {
    case 'single': {
      const option = q.options.find((o) => o.id === value);
      if (!option) return 0;
      if (option.weight !== undefined) return round2(Math.max(0, Math.min(100, option.weight)) / 100 * points);
      return option.correct ? points : 0;
    }
    case 'multiple': {
      const chosen = new Set(value as string[]);
      const correct = q.options.filter((o) => o.correct === true || (o.weight ?? 0) > 0);
      if (q.settings.scoring === 'all_or_nothing') {
        const exact = correct.length === chosen.size && correct.every((o) => chosen.has(o.id));
        return exact ? points : 0;
      }
      const right = correct.filter((o) => chosen.has(o.id)).length;
      const wrong = [...chosen].filter((id) => !correct.some((o) => o.id === id)).length;
      return round2(Math.max(0, (right - wrong) / correct.length) * points);
    }
    case 'number':
      return Math.abs((value as number) - q.settings.correctNumber!) <= (q.settings.tolerance ?? 0) ? points : 0;
    case 'short_text': {
      const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');
      return (q.settings.acceptedAnswers ?? []).some((a) => norm(a) === norm(value as string)) ? points : 0;
    }
    case 'ranking': {
      const order = q.settings.correctOrder!;
      const given = value as string[];
      const atPlace = order.filter((id, i) => given[i] === id).length;
      if (atPlace === order.length) return points;
      return q.settings.partialCredit ? round2((atPlace / order.length) * points) : 0;
    }
    default:
      return 0;
  }
}

export interface ScoreSummary {
  score: number;
  maxScore: number;
  /** percent 0–100, null when nothing is graded */
  percent: number | null;
  passed: boolean | null;
  perQuestion: Map<string, { score: number; max: number }>;
  perSkill: Record<string, { score: number; max: number }>;
}

/**
 * Scores a whole response over the questions the respondent was shown (hidden
 * questions count neither for nor against them).
 */
export function scoreResponse(questions: readonly QuestionDef[], answers: ReadonlyMap<string, AnswerValue>, passingScore: number | null | undefined): ScoreSummary {
  const visible = visibleQuestionIds(questions, answers);
  let score = 0;
  let maxScore = 0;
  const perQuestion = new Map<string, { score: number; max: number }>();
  const perSkill: Record<string, { score: number; max: number }> = {};
  for (const q of questions) {
    if (!visible.has(q.id) || !isGraded(q)) continue;
    const s = scoreAnswer(q, answers.get(q.id));
    perQuestion.set(q.id, { score: s, max: q.points });
    score += s;
    maxScore += q.points;
    for (const skill of q.skills) {
      const agg = (perSkill[skill] ??= { score: 0, max: 0 });
      agg.score = round2(agg.score + s);
      agg.max = round2(agg.max + q.points);
    }
  }
  const percent = maxScore > 0 ? round2((score / maxScore) * 100) : null;
  const passed = percent === null || passingScore === null || passingScore === undefined ? null : percent >= passingScore;
  return { score: round2(score), maxScore: round2(maxScore), percent, passed, perQuestion, perSkill };
}
