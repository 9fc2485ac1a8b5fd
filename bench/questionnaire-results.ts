/**
 * bench:results — the questionnaire results (GET /api/v1/questionnaires/:id/results)
 * and the struggling-units dashboard (GET /api/v1/questionnaires/insights/struggling)
 * on an organisation with 1,000,000 answers (500 questionnaires: 250 quizzes of
 * 10 graded single-choice questions and 250 satisfaction surveys of 10 rating
 * questions; 20,000 respondents answering 5 questionnaires each), through
 * app.inject (auth, RLS, validation, presenter included), beside a single
 * hand-written SQL aggregate computing the same figures on the same database in
 * the same run:
 *   - results: per question answered, mean, median, success rate and the value distribution;
 *   - struggling: per cohort and per module the number of quiz responses and
 *     successes, and the mean normalised satisfaction (the statistical tests,
 *     BH correction and wording are not in the SQL).
 * p50/p95 over --runs calls each (a different questionnaire per results call). The
 * hand-written SQL is timed twice: as the database owner, and inside withTenant
 * (the tenant role, row-level security on every table, as the endpoint runs).
 * --explain prints the query plans of the dashboard's aggregates and of the
 * hand-written SQL.
 *
 * Both databases by default (PostgreSQL: a database created and dropped for the run).
 *
 *   npm run bench:results -- --json FILE [--db pglite|postgres|both] [--answers 1000000] [--runs 30]
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { generateApiKey } from '../src/platform/auth/api-key-format.ts';
import { systemClock } from '../src/platform/clock.ts';
import type { Db } from '../src/platform/db/database.ts';
import { migrateOrThrow } from '../src/platform/db/migrate.ts';
import { withTenant } from '../src/platform/db/tenant.ts';
import { metricAggregateQuery } from '../src/modules/questionnaires/find-struggling-units.ts';
import { createBenchDatabase } from './bench-database.ts';

const { values: args } = parseArgs({ options: { json: { type: 'string' }, db: { type: 'string', default: 'both' }, answers: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '30' }, explain: { type: 'boolean', default: false } } });
const ANSWERS = Number(args.answers);
const RUNS = Math.max(3, Number(args.runs));
const QUESTIONNAIRES = 500;
const QUESTIONS = 10;
const PER_RESPONDENT = 5;
const RESPONDENTS = Math.max(1, Math.round(ANSWERS / (QUESTIONS * PER_RESPONDENT)));
const COHORTS = 40;
const MODULES = 4;

/** Deterministic pseudo-random numbers (mulberry32). */
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

async function insertChunks<T>(rows: T[], size: number, insert: (chunk: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

async function seed(db: Db) {
  const rand = rng(42);
  const org = await db.insertInto('organisations').values({ slug: 'bench-results', name: 'Bench results' }).returning('id').executeTakeFirstOrThrow();
  const organisation_id = org.id;
  const { key, prefix, hash } = generateApiKey();
  await db.insertInto('api_keys').values({ organisation_id, id: randomUUID(), name: 'bench', prefix, key_hash: hash, scope: 'read' }).execute();
  const program = await db.insertInto('programs').values({ organisation_id, title: 'Bench' }).returning('id').executeTakeFirstOrThrow();
  const modules = await db.insertInto('modules').values(Array.from({ length: MODULES }, (_, i) => ({ organisation_id, program_id: program.id, title: `Module ${i + 1}`, position: i }))).returning('id').execute();
  const cohorts = await db.insertInto('cohorts').values(Array.from({ length: COHORTS }, (_, i) => ({ organisation_id, program_id: program.id, name: `Cohort ${i + 1}` }))).returning('id').execute();
  const questionnaires: Array<{ id: string; quiz: boolean; questions: string[] }> = [];
  for (let i = 0; i < QUESTIONNAIRES; i++) {
    const quiz = i % 2 === 0;
    const q = await db.insertInto('questionnaires').values({ organisation_id, kind: quiz ? 'quiz' : 'satisfaction_hot', title: `Q${String(i).padStart(3, '0')}`, settings: JSON.stringify(quiz ? { passingScore: 60 } : {}), status: 'published' }).returning('id').executeTakeFirstOrThrow();
    const section = await db.insertInto('questionnaire_sections').values({ organisation_id, questionnaire_id: q.id, position: 0 }).returning('id').executeTakeFirstOrThrow();
    const rows = await db
      .insertInto('questions')
      .values(Array.from({ length: QUESTIONS }, (_, k) => ({ organisation_id, questionnaire_id: q.id, section_id: section.id, bank_id: null, type: quiz ? ('single' as const) : ('rating' as const), prompt: `Question ${k + 1}`, position: k, options: JSON.stringify(quiz ? [{ id: 'a', label: 'A', correct: true }, { id: 'b', label: 'B' }, { id: 'c', label: 'C' }] : []), settings: JSON.stringify(quiz ? {} : { min: 1, max: 5 }), display_if: null, points: quiz ? 1 : 0, skills: quiz ? [`skill${k % 4}`] : [] })))
      .returning('id')
      .execute();
    questionnaires.push({ id: q.id, quiz, questions: rows.map((r) => r.id) });
  }
  let responses: Array<Record<string, unknown>> = [];
  let answers: Array<Record<string, unknown>> = [];
  const flush = async () => {
    await insertChunks(responses, 2000, (c) => db.insertInto('questionnaire_responses').values(c as never).execute());
    await insertChunks(answers, 5000, (c) => db.insertInto('questionnaire_answers').values(c as never).execute());
    responses = [];
    answers = [];
  };
  let count = 0;
  for (let p = 0; p < RESPONDENTS; p++) {
    const cohort = p % COHORTS;
    for (let k = 0; k < PER_RESPONDENT; k++) {
      const q = questionnaires[Math.floor(rand() * QUESTIONNAIRES)]!;
      const module = Math.floor(rand() * MODULES);
      const pRight = module === 2 ? 0.55 : 0.75;
      const id = randomUUID();
      let score = 0;
      for (const question of q.questions) {
        if (q.quiz) {
          const right = rand() < pRight;
          score += right ? 1 : 0;
          answers.push({ organisation_id, response_id: id, question_id: question, value: JSON.stringify(right ? 'a' : rand() < 0.5 ? 'b' : 'c'), score: right ? 1 : 0, max_score: 1 });
        } else {
          answers.push({ organisation_id, response_id: id, question_id: question, value: JSON.stringify(1 + Math.floor(rand() * 5)), score: null, max_score: null });
        }
      }
      responses.push({ organisation_id, id, questionnaire_id: q.id, resume_key_hash: id, cohort_id: cohorts[cohort]!.id, module_id: modules[module]!.id, status: 'submitted', submitted_at: new Date('2026-03-02T10:00:00Z'), submissions: 1, score: q.quiz ? score : null, max_score: q.quiz ? QUESTIONS : null, passed: q.quiz ? score >= 6 : null });
      count += QUESTIONS;
    }
    if (answers.length >= 50_000) await flush();
  }
  await flush();
  await sql`ANALYZE`.execute(db);
  return { organisationId: organisation_id, apiKey: key, questionnaires, answers: count };
}

const RESULTS_SQL = (org: string, q: string) => sql`
  WITH base AS (
    SELECT a.question_id, a.value, a.score, a.max_score
    FROM questionnaire_answers a
    JOIN questionnaire_responses r ON r.organisation_id = a.organisation_id AND r.id = a.response_id
    WHERE r.organisation_id = ${org} AND r.questionnaire_id = ${q} AND r.status = 'submitted'
  ), dist AS (
    SELECT question_id, jsonb_object_agg(v, n) AS distribution FROM (SELECT question_id, value::text AS v, count(*) AS n FROM base GROUP BY 1, 2) x GROUP BY 1
  )
  SELECT b.question_id, count(*) AS answered,
    avg((b.value #>> '{}')::numeric) FILTER (WHERE jsonb_typeof(b.value) = 'number') AS mean,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY (b.value #>> '{}')::numeric) FILTER (WHERE jsonb_typeof(b.value) = 'number') AS median,
    avg(CASE WHEN b.max_score > 0 THEN (b.score >= b.max_score)::int END) AS success_rate,
    min(d.distribution::text) AS distribution
  FROM base b JOIN dist d ON d.question_id = b.question_id
  GROUP BY b.question_id`;

const STRUGGLING_SQL = (org: string) => sql`
  WITH quiz AS (
    SELECT r.cohort_id, r.module_id, CASE WHEN coalesce(r.passed, r.score / r.max_score >= 0.5) THEN 1 ELSE 0 END AS ok
    FROM questionnaire_responses r JOIN questionnaires q ON q.organisation_id = r.organisation_id AND q.id = r.questionnaire_id
    WHERE r.organisation_id = ${org} AND r.status = 'submitted' AND q.kind IN ('quiz', 'positioning') AND r.max_score > 0
  ), sat AS (
    SELECT r.cohort_id, r.module_id, avg(((a.value #>> '{}')::numeric - 1) / 4) AS s
    FROM questionnaire_responses r
    JOIN questionnaires q ON q.organisation_id = r.organisation_id AND q.id = r.questionnaire_id
    JOIN questionnaire_answers a ON a.organisation_id = r.organisation_id AND a.response_id = r.id
    JOIN questions qu ON qu.organisation_id = a.organisation_id AND qu.id = a.question_id AND qu.type = 'rating'
    WHERE r.organisation_id = ${org} AND r.status = 'submitted' AND q.kind IN ('satisfaction_hot', 'satisfaction_cold')
    GROUP BY r.id, r.cohort_id, r.module_id
  )
  SELECT 'cohort' AS unit, cohort_id AS id, count(*) AS n, sum(ok) AS x, NULL::numeric AS satisfaction FROM quiz GROUP BY cohort_id
  UNION ALL SELECT 'module', module_id, count(*), sum(ok), NULL FROM quiz GROUP BY module_id
  UNION ALL SELECT 'cohort', cohort_id, count(*), NULL, avg(s) FROM sat GROUP BY cohort_id
  UNION ALL SELECT 'module', module_id, count(*), NULL, avg(s) FROM sat GROUP BY module_id`;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10;
};
async function time(n: number, fn: (i: number) => Promise<void>) {
  await fn(0); // warm-up
  const ms: number[] = [];
  for (let i = 1; i <= n; i++) {
    const t0 = performance.now();
    await fn(i);
    ms.push(performance.now() - t0);
  }
  return { p50_ms: pct(ms, 50), p95_ms: pct(ms, 95), runs: n };
}

async function benchDatabase(kind: 'pglite' | 'postgres') {
  const bench = await createBenchDatabase(kind, { name: 'results', poolSize: 4 });
  const { db } = bench;
  try {
    await migrateOrThrow(db);
    const t0 = performance.now();
    const data = await seed(db);
    const seedMs = Math.round(performance.now() - t0);
    if (args.explain) {
      // The plans, as the tenant role sees them (RLS) for the endpoint's aggregates, as the owner for the hand-written SQL.
      const show = async (label: string, rows: Array<Record<string, unknown>>) => console.error(`--- ${kind}: ${label}\n${rows.map((r) => Object.values(r)[0]).join('\n')}`);
      for (const metric of ['success', 'satisfaction'] as const) {
        await show(`endpoint aggregate (${metric})`, await withTenant(db, data.organisationId, async (trx) => (await sql`SET LOCAL jit = off`.execute(trx), await sql<Record<string, unknown>>`EXPLAIN (ANALYZE, BUFFERS) ${metricAggregateQuery(metric, null, null)}`.execute(trx)).rows));
      }
      await show('results endpoint: the questions of one questionnaire', await withTenant(db, data.organisationId, async (trx) => (await sql<Record<string, unknown>>`EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM questions WHERE questionnaire_id = ${data.questionnaires[0]!.id} ORDER BY position, id`.execute(trx)).rows));
      await show('hand-written struggling SQL', (await sql<Record<string, unknown>>`EXPLAIN (ANALYZE, BUFFERS) ${STRUGGLING_SQL(data.organisationId)}`.execute(db)).rows);
      await show('hand-written results SQL', (await sql<Record<string, unknown>>`EXPLAIN (ANALYZE, BUFFERS) ${RESULTS_SQL(data.organisationId, data.questionnaires[0]!.id)}`.execute(db)).rows);
    }
    const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent', SEED_DEMO: 'false', PORT: '0' });
    const app = await createApp({ config, db, clock: systemClock, mailTransport: null });
    const headers = { authorization: `Bearer ${data.apiKey}` };
    const quizzes = data.questionnaires.filter((q) => q.quiz);
    const pick = (i: number) => data.questionnaires[(i * 37) % data.questionnaires.length]!.id;
    const check = (status: number, body: string) => {
      if (status !== 200) throw new Error(`HTTP ${status}: ${body.slice(0, 300)}`);
    };
    const results = await time(RUNS, async (i) => {
      const res = await app.inject({ method: 'GET', url: `/api/v1/questionnaires/${pick(i)}/results`, headers });
      check(res.statusCode, res.body);
    });
    const resultsSql = await time(RUNS, async (i) => {
      await RESULTS_SQL(data.organisationId, pick(i)).execute(db);
    });
    const struggling = await time(Math.max(3, Math.floor(RUNS / 3)), async () => {
      const res = await app.inject({ method: 'GET', url: '/api/v1/questionnaires/insights/struggling', headers });
      check(res.statusCode, res.body);
    });
    const strugglingSql = await time(Math.max(3, Math.floor(RUNS / 3)), async () => {
      await STRUGGLING_SQL(data.organisationId).execute(db);
    });
    // The same hand-written SQL as the tenant role (row-level security on every table, as the endpoint runs).
    const resultsSqlRls = await time(RUNS, async (i) => {
      await withTenant(db, data.organisationId, (trx) => RESULTS_SQL(data.organisationId, pick(i)).execute(trx));
    });
    const strugglingSqlRls = await time(Math.max(3, Math.floor(RUNS / 3)), async () => {
      await withTenant(db, data.organisationId, (trx) => STRUGGLING_SQL(data.organisationId).execute(trx));
    });
    const flagged = (await app.inject({ method: 'GET', url: '/api/v1/questionnaires/insights/struggling?locale=en', headers })).json().units.filter((u: { flagged: boolean }) => u.flagged).map((u: { reason: string }) => u.reason);
    await app.close();
    return {
      db: kind,
      load_average_1_5_15: loadavg().map((x) => Math.round(x * 100) / 100),
      data: { answers: data.answers, questionnaires: QUESTIONNAIRES, quizzes: quizzes.length, respondents: RESPONDENTS, responses: RESPONDENTS * PER_RESPONDENT, seed_ms: seedMs },
      results: { endpoint: results, sql: resultsSql, sql_as_tenant: resultsSqlRls },
      struggling: { endpoint: struggling, sql: strugglingSql, sql_as_tenant: strugglingSqlRls, flagged },
    };
  } finally {
    await bench.dispose();
  }
}

async function main() {
  if (!['pglite', 'postgres', 'both'].includes(args.db!)) throw new Error('--db must be pglite, postgres or both');
  const kinds = args.db === 'both' ? (['postgres', 'pglite'] as const) : [args.db as 'pglite' | 'postgres'];
  const runs = [];
  for (const kind of kinds) {
    const run = await benchDatabase(kind);
    console.error(JSON.stringify(run));
    runs.push(run);
  }
  const out = { bench: 'results', date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model ?? null }, runs };
  const json = JSON.stringify(out, null, 2);
  console.log(json);
  if (args.json) writeFileSync(args.json, json);
}

await main();
