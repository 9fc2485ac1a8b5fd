import type { z } from 'zod';
import type { Ctx } from '../../platform/auth/actor.ts';
import type { Db } from '../../platform/db/database.ts';
import { type Tx, withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import { aggregateQuestion, aggregateSkills, type AnswerRow, responseSatisfaction } from './aggregate-answers.ts';
import { type LoadedQuestionnaire, loadQuestionnaire, toQuestionDef } from './questionnaire.repository.ts';
import type { resultsQuerySchema } from './questionnaires.schemas.ts';
import { assertMayReadResults, resultCohorts } from './results-access.ts';
import { mean } from './statistics.ts';

export type ResultsQuery = z.infer<typeof resultsQuerySchema>;
const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;
const NONE = '00000000-0000-0000-0000-000000000000';

/** The submitted responses of a questionnaire matching the filters, within what the actor may read, with their answers. */
export async function loadSubmitted(trx: Tx, ctx: Ctx, id: string, query: ResultsQuery) {
  const loaded = await loadQuestionnaire(trx, id);
  if (!loaded) throw notFound('Questionnaire');
  const allowed = await resultCohorts(trx, ctx);
  let q = trx.selectFrom('questionnaire_responses').select(['id', 'cohort_id', 'module_id', 'session_id', 'submitted_at', 'score', 'max_score', 'passed', 'skill_scores']).where('questionnaire_id', '=', id).where('status', '=', 'submitted');
  if (allowed) q = q.where('cohort_id', 'in', allowed.length ? allowed : [NONE]);
  if (query.cohortId) q = q.where('cohort_id', '=', query.cohortId);
  if (query.moduleId) q = q.where('module_id', '=', query.moduleId);
  if (query.trainerId) {
    const trainerId = query.trainerId;
    q = q.where('cohort_id', 'in', (eb) => eb.selectFrom('cohort_trainers').select('cohort_id').where('person_id', '=', trainerId));
  }
  if (query.from) q = q.where('submitted_at', '>=', new Date(`${query.from}T00:00:00Z`));
  if (query.to) q = q.where('submitted_at', '<', new Date(new Date(`${query.to}T00:00:00Z`).getTime() + 86_400_000));
  const responses = await q.orderBy('submitted_at').orderBy('id').execute();
  const ids = responses.map((r) => r.id);
  const answers = ids.length ? await trx.selectFrom('questionnaire_answers').select(['response_id', 'question_id', 'value', 'score', 'max_score']).where('response_id', 'in', ids).execute() : [];
  // Questions drawn from banks are reported too.
  const known = new Set(loaded.questions.map((x) => x.id));
  const extra = [...new Set(answers.map((a) => a.question_id).filter((qid) => !known.has(qid)))];
  const bankQuestions = extra.length ? await trx.selectFrom('questions').selectAll().where('id', 'in', extra).execute() : [];
  return { loaded, responses, answers, questions: [...loaded.questions, ...bankQuestions].map(toQuestionDef) };
}

type Loaded = Awaited<ReturnType<typeof loadSubmitted>>;

function summarise(data: Pick<Loaded, 'responses' | 'answers' | 'questions'>) {
  const byResponse = new Map<string, Map<string, unknown>>();
  for (const a of data.answers) {
    let m = byResponse.get(a.response_id);
    if (!m) byResponse.set(a.response_id, (m = new Map()));
    m.set(a.question_id, a.value);
  }
  const graded = data.responses.filter((r) => r.max_score !== null && Number(r.max_score) > 0);
  const withPass = graded.filter((r) => r.passed !== null);
  const satisfaction = data.responses.map((r) => responseSatisfaction(data.questions, byResponse.get(r.id) ?? new Map())).filter((v): v is number => v !== null);
  return {
    responses: data.responses.length,
    meanScoreRate: graded.length ? round(mean(graded.map((r) => Number(r.score) / Number(r.max_score)))) : null,
    passRate: withPass.length ? round(withPass.filter((r) => r.passed).length / withPass.length) : null,
    satisfaction: satisfaction.length ? round(mean(satisfaction)) : null,
  };
}

async function groupLabels(trx: Tx, groupBy: 'cohort' | 'module' | 'month' | 'trainer', keys: string[]): Promise<Map<string, string>> {
  if (groupBy === 'month' || keys.length === 0) return new Map(keys.map((k) => [k, k]));
  if (groupBy === 'trainer') {
    const people = await trx.selectFrom('people').select(['id', 'given_name', 'family_name']).where('id', 'in', keys).execute();
    return new Map(people.map((p) => [p.id, `${p.given_name} ${p.family_name}`]));
  }
  const rows = groupBy === 'cohort' ? await trx.selectFrom('cohorts').select(['id', 'name as label']).where('id', 'in', keys).execute() : await trx.selectFrom('modules').select(['id', 'title as label']).where('id', 'in', keys).execute();
  return new Map(rows.map((r) => [r.id, r.label]));
}

/** Results of a questionnaire: overall figures, per question, per skill, and per cohort/module/month when asked. */
export async function getResults(db: Db, ctx: Ctx, id: string, query: ResultsQuery) {
  assertMayReadResults(ctx);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const data = await loadSubmitted(trx, ctx, id, query);
    const answersByQuestion = new Map<string, AnswerRow[]>();
    for (const a of data.answers) {
      const list = answersByQuestion.get(a.question_id) ?? [];
      list.push(a);
      answersByQuestion.set(a.question_id, list);
    }
    let groups: Array<{ key: string; label: string } & ReturnType<typeof summarise>> | null = null;
    if (query.groupBy) {
      // Per trainer: a response counts for every trainer of its cohort.
      const trainersOf = new Map<string, string[]>();
      if (query.groupBy === 'trainer') {
        const cohorts = [...new Set(data.responses.map((r) => r.cohort_id).filter((c): c is string => !!c))];
        const rows = cohorts.length ? await trx.selectFrom('cohort_trainers').select(['cohort_id', 'person_id']).where('cohort_id', 'in', cohorts).execute() : [];
        for (const row of rows) trainersOf.set(row.cohort_id, [...(trainersOf.get(row.cohort_id) ?? []), row.person_id]); // a few trainers per cohort
      }
      const keysOf = (r: Loaded['responses'][number]): string[] =>
        query.groupBy === 'trainer' ? (trainersOf.get(r.cohort_id ?? '') ?? ['none']) : [(query.groupBy === 'cohort' ? r.cohort_id : query.groupBy === 'module' ? r.module_id : r.submitted_at?.toISOString().slice(0, 7)) ?? 'none'];
      const buckets = new Map<string, Loaded['responses']>();
      for (const r of data.responses) {
        for (const k of keysOf(r)) {
          const list = buckets.get(k);
          if (list) list.push(r);
          else buckets.set(k, [r]);
        }
      }
      const labels = await groupLabels(trx, query.groupBy, [...buckets.keys()].filter((k) => k !== 'none'));
      groups = [...buckets].map(([key, responses]) => {
        const ids = new Set(responses.map((r) => r.id));
        return { key, label: labels.get(key) ?? key, ...summarise({ responses, answers: data.answers.filter((a) => ids.has(a.response_id)), questions: data.questions }) };
      });
      groups.sort((a, b) => a.label.localeCompare(b.label));
    }
    return {
      questionnaire: { id: data.loaded.questionnaire.id, title: data.loaded.questionnaire.title, kind: data.loaded.questionnaire.kind, anonymous: data.loaded.questionnaire.anonymous },
      summary: summarise(data),
      questions: data.questions.map((q) => aggregateQuestion(q, answersByQuestion.get(q.id) ?? [])),
      skills: aggregateSkills(data.responses.map((r) => r.skill_scores)),
      groups,
    };
  });
}

/** Free-text answers, filtered by question, cohort, period and a search string. */
export async function listTextAnswers(db: Db, ctx: Ctx, id: string, query: ResultsQuery & { questionId?: string | undefined; q?: string | undefined }) {
  assertMayReadResults(ctx);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const data = await loadSubmitted(trx, ctx, id, query);
    const textQuestions = new Map(data.questions.filter((q) => q.type === 'short_text' || q.type === 'long_text').map((q) => [q.id, q]));
    const responses = new Map(data.responses.map((r) => [r.id, r]));
    const needle = query.q?.toLowerCase();
    const items = data.answers
      .filter((a) => textQuestions.has(a.question_id) && (!query.questionId || a.question_id === query.questionId) && typeof a.value === 'string' && a.value.trim() && (!needle || a.value.toLowerCase().includes(needle)))
      .map((a) => {
        const r = responses.get(a.response_id)!;
        return { questionId: a.question_id, prompt: textQuestions.get(a.question_id)!.prompt, text: a.value as string, cohortId: r.cohort_id, moduleId: r.module_id, submittedOn: r.submitted_at?.toISOString().slice(0, 10) ?? null };
      });
    return { items };
  });
}

export type { LoadedQuestionnaire };
