import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeOrganisationWithStaff } from '../../../test/factories.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { satisfactionOf } from './aggregate-answers.ts';
import { aggregateMetric, type MetricAggregate, type UnitMoments } from './find-struggling-units.ts';
import { toQuestionDef } from './questionnaire.repository.ts';

/**
 * The struggling dashboard aggregates in SQL (one grouped query per metric).
 * This file keeps the former JavaScript computation (every response loaded,
 * values computed with `satisfactionOf`, summed per unit) as the reference and
 * checks on a seeded organisation — quizzes with and without a passing score,
 * satisfaction surveys with ratings on several scales, NPS, Likert matrices,
 * free text, drafts, responses outside the period and without a cohort — that
 * both give the same counts, sums and sums of squares, hence the same tests.
 */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Metric = 'success' | 'satisfaction';

/** The former computation, in JavaScript over every response row. */
async function reference(t: TestContext, organisationId: string, metric: Metric, from: Date | null, to: Date | null): Promise<MetricAggregate> {
  return withTenant(t.db, organisationId, async (trx) => {
    const kinds = metric === 'success' ? ['quiz', 'positioning'] : ['satisfaction_hot', 'satisfaction_cold'];
    const rows = (
      await trx
        .selectFrom('questionnaire_responses as r')
        .innerJoin('questionnaires as q', (j) => j.onRef('q.organisation_id', '=', 'r.organisation_id').onRef('q.id', '=', 'r.questionnaire_id'))
        .select(['r.id', 'r.cohort_id', 'r.module_id', 'r.score', 'r.max_score', 'r.passed', 'r.submitted_at'])
        .where('r.status', '=', 'submitted')
        .where('q.kind', 'in', kinds as never)
        .execute()
    ).filter((r) => (!from || r.submitted_at! >= from) && (!to || r.submitted_at! < to));
    const obs: Array<{ cohortId: string | null; moduleId: string | null; value: number }> = [];
    if (metric === 'success') {
      for (const r of rows) if (r.max_score !== null && Number(r.max_score) > 0) obs.push({ cohortId: r.cohort_id, moduleId: r.module_id, value: (r.passed ?? Number(r.score) / Number(r.max_score) >= 0.5) ? 1 : 0 });
    } else {
      const answers = rows.length ? await trx.selectFrom('questionnaire_answers').select(['response_id', 'question_id', 'value']).where('response_id', 'in', rows.map((r) => r.id)).execute() : [];
      const questions = new Map((await trx.selectFrom('questions').selectAll().execute()).map((q) => [q.id, toQuestionDef(q)]));
      const acc = new Map<string, number[]>();
      for (const a of answers) {
        const v = satisfactionOf(questions.get(a.question_id)!, a.value);
        if (v === null) continue;
        acc.set(a.response_id, [...(acc.get(a.response_id) ?? []), v]);
      }
      for (const r of rows) {
        const vs = acc.get(r.id);
        if (vs?.length) obs.push({ cohortId: r.cohort_id, moduleId: r.module_id, value: vs.reduce((x, y) => x + y, 0) / vs.length });
      }
    }
    const add = (m: UnitMoments, v: number) => {
      m.n++;
      m.sum += v;
      m.sumSquares += v * v;
    };
    const out: MetricAggregate = { total: { n: 0, sum: 0, sumSquares: 0 }, cohort: new Map(), module: new Map() };
    for (const o of obs) {
      add(out.total, o.value);
      for (const [kind, key] of [['cohort', o.cohortId], ['module', o.moduleId]] as const) {
        if (!key) continue;
        if (!out[kind].has(key)) out[kind].set(key, { n: 0, sum: 0, sumSquares: 0 });
        add(out[kind].get(key)!, o.value);
      }
    }
    return out;
  });
}

function assertSame(actual: MetricAggregate, expected: MetricAggregate, label: string) {
  const close = (a: UnitMoments, e: UnitMoments, what: string) => {
    assert.equal(a.n, e.n, `${what}: n`);
    assert.ok(Math.abs(a.sum - e.sum) < 1e-9 * Math.max(1, Math.abs(e.sum)), `${what}: sum ${a.sum} vs ${e.sum}`);
    assert.ok(Math.abs(a.sumSquares - e.sumSquares) < 1e-9 * Math.max(1, Math.abs(e.sumSquares)), `${what}: sum of squares ${a.sumSquares} vs ${e.sumSquares}`);
  };
  close(actual.total, expected.total, `${label} total`);
  for (const kind of ['cohort', 'module'] as const) {
    assert.deepEqual([...actual[kind].keys()].sort(), [...expected[kind].keys()].sort(), `${label}: the same ${kind}s`);
    for (const [k, e] of expected[kind]) close(actual[kind].get(k)!, e, `${label} ${kind} ${k}`);
  }
}

describe('struggling units: the SQL aggregation gives the figures of the former JavaScript computation', () => {
  let t: TestContext;
  let org: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;

  before(async () => {
    t = await createTestContext();
    org = await makeOrganisationWithStaff(t.db);
    const organisation_id = org.organisation.id;
    const rand = rng(7);
    const program = await t.db.insertInto('programs').values({ organisation_id, title: 'P' }).returning('id').executeTakeFirstOrThrow();
    const modules = await t.db.insertInto('modules').values([0, 1, 2].map((i) => ({ organisation_id, program_id: program.id, title: `M${i}`, position: i }))).returning('id').execute();
    const cohorts = await t.db.insertInto('cohorts').values([0, 1, 2, 3].map((i) => ({ organisation_id, program_id: program.id, name: `C${i}` }))).returning('id').execute();
    const likertOptions = [{ id: 'sd', label: 'Pas du tout' }, { id: 'd', label: 'Plutôt pas' }, { id: 'a', label: 'Plutôt' }, { id: 'sa', label: 'Tout à fait' }];
    const makeQuestionnaire = async (kind: 'quiz' | 'positioning' | 'satisfaction_hot' | 'satisfaction_cold', questions: Array<{ type: 'single' | 'rating' | 'nps' | 'likert' | 'short_text'; settings?: object; options?: object[] }>) => {
      const q = await t.db.insertInto('questionnaires').values({ organisation_id, kind, title: `${kind} ${randomUUID().slice(0, 4)}`, settings: '{}', status: 'published' }).returning('id').executeTakeFirstOrThrow();
      const section = await t.db.insertInto('questionnaire_sections').values({ organisation_id, questionnaire_id: q.id }).returning('id').executeTakeFirstOrThrow();
      const rows = await t.db
        .insertInto('questions')
        .values(questions.map((x, i) => ({ organisation_id, questionnaire_id: q.id, section_id: section.id, bank_id: null, type: x.type, prompt: `Q${i}`, position: i, options: JSON.stringify(x.options ?? []), settings: JSON.stringify(x.settings ?? {}), display_if: null })))
        .returning(['id', 'type', 'settings'])
        .execute();
      return { id: q.id, questions: rows };
    };
    const quizzes = [await makeQuestionnaire('quiz', [{ type: 'single' }]), await makeQuestionnaire('positioning', [{ type: 'single' }])];
    const surveys = [
      await makeQuestionnaire('satisfaction_hot', [{ type: 'rating', settings: { min: 1, max: 5 } }, { type: 'nps' }, { type: 'short_text' }]),
      await makeQuestionnaire('satisfaction_cold', [{ type: 'rating', settings: { min: 0, max: 10 } }, { type: 'likert', options: likertOptions, settings: { rows: [{ id: 'r1', label: 'Rythme' }, { id: 'r2', label: 'Contenu' }] } }, { type: 'rating' }]),
    ];
    const responses: Array<Record<string, unknown>> = [];
    const answers: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 400; i++) {
      const id = randomUUID();
      const cohort = rand() < 0.05 ? null : cohorts[Math.floor(rand() * cohorts.length)]!.id;
      const module = rand() < 0.05 ? null : modules[Math.floor(rand() * modules.length)]!.id;
      const status = rand() < 0.1 ? 'draft' : 'submitted';
      const submitted_at = status === 'submitted' ? new Date(Date.UTC(2026, 1, 1 + Math.floor(rand() * 56))) : null;
      if (i % 2 === 0) {
        const q = quizzes[Math.floor(rand() * quizzes.length)]!;
        const max = rand() < 0.05 ? 0 : 10;
        const score = Math.floor(rand() * (max + 1));
        responses.push({ organisation_id, id, questionnaire_id: q.id, resume_key_hash: id, cohort_id: cohort, module_id: module, status, submitted_at, score: max ? score : null, max_score: max ? max : null, passed: max && rand() < 0.7 ? score >= 6 : null });
      } else {
        const q = surveys[Math.floor(rand() * surveys.length)]!;
        responses.push({ organisation_id, id, questionnaire_id: q.id, resume_key_hash: id, cohort_id: cohort, module_id: module, status, submitted_at });
        for (const question of q.questions) {
          if (rand() < 0.15) continue; // unanswered
          const settings = question.settings as { min?: number; max?: number };
          const value =
            question.type === 'rating' ? (settings.min ?? 1) + Math.floor(rand() * ((settings.max ?? 5) - (settings.min ?? 1) + 1))
            : question.type === 'nps' ? Math.floor(rand() * 11)
            : question.type === 'likert' ? Object.fromEntries(['r1', 'r2'].filter(() => rand() < 0.9).map((row) => [row, rand() < 0.05 ? 'gone' : likertOptions[Math.floor(rand() * 4)]!.id]))
            : 'texte libre';
          answers.push({ organisation_id, response_id: id, question_id: question.id, value: JSON.stringify(value) });
        }
      }
    }
    await t.db.insertInto('questionnaire_responses').values(responses as never).execute();
    await t.db.insertInto('questionnaire_answers').values(answers as never).execute();
  });
  after(() => t.close());

  for (const metric of ['success', 'satisfaction'] as const) {
    test(`${metric}: per cohort, per module and in total, over everything and over a period`, async () => {
      for (const [from, to] of [[null, null], [new Date('2026-02-10T00:00:00Z'), new Date('2026-03-05T00:00:00Z')]] as const) {
        const expected = await reference(t, org.organisation.id, metric, from, to);
        assert.ok(expected.total.n > 50, 'the data set exercises the metric');
        const actual = await withTenant(t.db, org.organisation.id, (trx) => aggregateMetric(trx, metric, from, to));
        assertSame(actual, expected, `${metric} ${from ? 'period' : 'all'}`);
      }
    });
  }

  test('the dashboard reports the same n and rates as the reference', async () => {
    const body = (await t.request({ method: 'GET', url: '/api/v1/questionnaires/insights/struggling?locale=en', as: org.as.manager })).json();
    assert.ok(body.units.length >= 10, JSON.stringify(body.units.length));
    for (const metric of ['success', 'satisfaction'] as const) {
      const expected = await reference(t, org.organisation.id, metric, null, null);
      for (const u of body.units.filter((x: { metric: string }) => x.metric === metric)) {
        const e = expected[u.unitType as 'cohort' | 'module'].get(u.unitId)!;
        assert.equal(u.n, e.n);
        assert.equal(u.baselineN, expected.total.n - e.n);
        assert.equal(u.rate, Math.round((e.sum / e.n) * 10_000) / 10_000);
        assert.equal(u.baseline, Math.round(((expected.total.sum - e.sum) / (expected.total.n - e.n)) * 10_000) / 10_000);
      }
    }
  });
});
