import type { QuestionDef } from './scoring.ts';
import { mean, median } from './statistics.ts';

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** A 0–1 satisfaction value of one answer (rating, NPS, Likert), or null for other types. */
export function satisfactionOf(q: QuestionDef, value: unknown): number | null {
  if (q.type === 'rating' && typeof value === 'number') {
    const min = q.settings.min ?? 1;
    const max = q.settings.max ?? 5;
    return (value - min) / (max - min);
  }
  if (q.type === 'nps' && typeof value === 'number') return value / 10;
  if (q.type === 'likert' && value && typeof value === 'object') {
    const idx = Object.values(value as Record<string, string>).map((id) => q.options.findIndex((o) => o.id === id)).filter((i) => i >= 0);
    if (!idx.length || q.options.length < 2) return null;
    return mean(idx) / (q.options.length - 1);
  }
  return null;
}

/** The mean satisfaction (0–1) over a response's rating/NPS/Likert answers, or null without any. */
export function responseSatisfaction(questions: readonly QuestionDef[], answers: ReadonlyMap<string, unknown>): number | null {
  const values = questions.map((q) => satisfactionOf(q, answers.get(q.id))).filter((v): v is number => v !== null);
  return values.length ? mean(values) : null;
}

export interface AnswerRow {
  question_id: string;
  value: unknown;
  score: string | null;
  max_score: string | null;
}

/** Per-question figures: option distribution, mean, median, NPS, success rate of graded questions. */
export function aggregateQuestion(q: QuestionDef, rows: readonly AnswerRow[]) {
  const base = { questionId: q.id, type: q.type, prompt: q.prompt, answered: rows.length };
  const numbers = rows.map((r) => r.value).filter((v): v is number => typeof v === 'number');
  const stats = numbers.length ? { mean: round(mean(numbers)), median: median(numbers) } : { mean: null, median: null };
  const graded = rows.filter((r) => r.max_score !== null && Number(r.max_score) > 0);
  const success = graded.length
    ? { successRate: round(graded.filter((r) => Number(r.score) >= Number(r.max_score)).length / graded.length, 4), meanScoreRate: round(mean(graded.map((r) => Number(r.score) / Number(r.max_score))), 4) }
    : { successRate: null, meanScoreRate: null };
  let distribution: Array<{ value: string; label: string; count: number }> = [];
  let rowsDistribution: Array<{ rowId: string; label: string; counts: Array<{ value: string; count: number }> }> | null = null;
  let nps: { promoters: number; passives: number; detractors: number; score: number } | null = null;
  switch (q.type) {
    case 'single':
    case 'multiple':
      distribution = q.options.map((o) => ({ value: o.id, label: o.label, count: rows.filter((r) => (Array.isArray(r.value) ? r.value.includes(o.id) : r.value === o.id)).length }));
      break;
    case 'ranking':
      distribution = q.options.map((o) => ({ value: o.id, label: o.label, count: rows.filter((r) => Array.isArray(r.value) && r.value[0] === o.id).length }));
      break;
    case 'rating': {
      const min = q.settings.min ?? 1;
      const max = q.settings.max ?? 5;
      for (let v = min; v <= max; v++) distribution.push({ value: String(v), label: String(v), count: numbers.filter((n) => n === v).length });
      break;
    }
    case 'nps': {
      for (let v = 0; v <= 10; v++) distribution.push({ value: String(v), label: String(v), count: numbers.filter((n) => n === v).length });
      const promoters = numbers.filter((n) => n >= 9).length;
      const detractors = numbers.filter((n) => n <= 6).length;
      nps = { promoters, passives: numbers.length - promoters - detractors, detractors, score: numbers.length ? Math.round(((promoters - detractors) / numbers.length) * 100) : 0 };
      break;
    }
    case 'likert':
      rowsDistribution = (q.settings.rows ?? []).map((row) => ({
        rowId: row.id,
        label: row.label,
        counts: q.options.map((o) => ({ value: o.id, count: rows.filter((r) => (r.value as Record<string, string> | null)?.[row.id] === o.id).length })),
      }));
      break;
    default:
      break;
  }
  return { ...base, ...stats, ...success, distribution, rows: rowsDistribution, nps };
}

/** Per skill: the sum of scores over the sum of maxima across responses. */
export function aggregateSkills(skillScores: ReadonlyArray<Record<string, { score: number; max: number }> | null>) {
  const acc: Record<string, { score: number; max: number; responses: number }> = {};
  for (const s of skillScores) {
    if (!s) continue;
    for (const [skill, v] of Object.entries(s)) {
      const a = (acc[skill] ??= { score: 0, max: 0, responses: 0 });
      a.score += v.score;
      a.max += v.max;
      a.responses++;
    }
  }
  return Object.entries(acc)
    .map(([skill, a]) => ({ skill, responses: a.responses, scoreRate: a.max > 0 ? round(a.score / a.max, 4) : null }))
    .sort((x, y) => x.skill.localeCompare(y.skill));
}
