import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import type { Db } from '../../platform/db/database.ts';
import { type Tx, withTenant } from '../../platform/db/tenant.ts';
import { sql } from 'kysely';
import { benjaminiHochberg, compareProportions, momentsOf, type TestResult, welchFromMoments } from './statistics.ts';

/** Units with fewer respondents are not tested (and never flagged). */
export const MIN_RESPONDENTS = 8;
/** False discovery rate controlled across every unit tested in one run (Benjamini–Hochberg). */
export const FDR = 0.05;

type Metric = 'success' | 'satisfaction';
type UnitType = 'cohort' | 'module';

const TEST_NAMES = {
  fr: { two_proportion_z: 'test z de deux proportions', fisher_exact: 'test exact de Fisher', welch_t: 'test t de Welch' },
  en: { two_proportion_z: 'two-proportion z-test', fisher_exact: "Fisher's exact test", welch_t: "Welch's t-test" },
} as const;

function formatNumber(x: number, locale: 'fr' | 'en', digits: number): string {
  return new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(x);
}
/** "p = 0,01" / "p=0.01", or "p < 0,001" / "p<0.001" for very small values. */
function formatP(name: string, p: number, locale: 'fr' | 'en'): string {
  const [eq, lt] = locale === 'fr' ? [' = ', ' < '] : ['=', '<'];
  if (p < 0.001) return `${name}${lt}${formatNumber(0.001, locale, 3)}`;
  return `${name}${eq}${formatNumber(p, locale, p < 0.01 ? 3 : 2)}`;
}

/** The reason in words, e.g. "module SQL : réussite 48 % contre 71 % en référence, n = 26, p = 0,01". */
export function describeFinding(o: { unitType: UnitType; label: string; metric: Metric; rate: number; baseline: number; n: number; p: number; q: number; test: TestResult['test'] }, locale: 'fr' | 'en'): string {
  const pct = (x: number) => `${formatNumber(Math.round(x * 100), locale, 0)}${locale === 'fr' ? ' %' : '%'}`;
  const sat = (x: number) => formatNumber(1 + x * 4, locale, 1);
  if (locale === 'fr') {
    const unit = o.unitType === 'cohort' ? 'cohorte' : 'module';
    const what = o.metric === 'success' ? `réussite ${pct(o.rate)} contre ${pct(o.baseline)} en référence` : `satisfaction ${sat(o.rate)}/5 contre ${sat(o.baseline)}/5 en référence`;
    return `${unit} ${o.label} : ${what}, n = ${o.n}, ${formatP('p', o.p, 'fr')} (${TEST_NAMES.fr[o.test]} ; ${formatP('q', o.q, 'fr')} après Benjamini-Hochberg)`;
  }
  const what = o.metric === 'success' ? `success ${pct(o.rate)} vs ${pct(o.baseline)} baseline` : `satisfaction ${sat(o.rate)}/5 vs ${sat(o.baseline)}/5 baseline`;
  return `${o.unitType} ${o.label}: ${what}, n=${o.n}, ${formatP('p', o.p, 'en')} (${TEST_NAMES.en[o.test]}; ${formatP('q', o.q, 'en')} after Benjamini-Hochberg)`;
}

/** Count, sum and sum of squares of the per-response values (success 0/1, satisfaction 0–1) of one unit, or of all responses. */
export interface UnitMoments {
  n: number;
  sum: number;
  sumSquares: number;
}
export interface MetricAggregate {
  total: UnitMoments;
  cohort: Map<string, UnitMoments>;
  module: Map<string, UnitMoments>;
}

const SUCCESS_KINDS = ['quiz', 'positioning'] as const;
const SATISFACTION_KINDS = ['satisfaction_hot', 'satisfaction_cold'] as const;

/**
 * The per-response values of one metric, aggregated in the database: one
 * grouped query (GROUPING SETS: per cohort, per module, and the organisation's
 * total) returning count, sum and sum of squares, from which the tests work.
 *   success: a submitted quiz/positioning response with a maximum score counts
 *     1 when passed (or, without a passing score, when it scored at least half);
 *   satisfaction: a submitted satisfaction response's value is the mean of its
 *     rating ((v − min)/(max − min)), NPS (v/10) and Likert (mean position of
 *     the options chosen, over the scale's length − 1) answers, 0–1; a response
 *     without any is left out.
 */
export async function aggregateMetric(trx: Tx, metric: Metric, from: Date | null, to: Date | null): Promise<MetricAggregate> {
  // The planner's estimates for the jsonb functions can be large enough to start JIT compilation, which then takes longer than the query.
  await sql`SET LOCAL jit = off`.execute(trx);
  const rows = await metricAggregateQuery(metric, from, to).execute(trx);
  const out: MetricAggregate = { total: { n: 0, sum: 0, sumSquares: 0 }, cohort: new Map(), module: new Map() };
  for (const row of rows.rows) {
    const m = { n: Number(row.n), sum: Number(row.total ?? 0), sumSquares: Number(row.squares ?? 0) };
    const byCohort = Number(row.g_cohort) === 0;
    const byModule = Number(row.g_module) === 0;
    if (byCohort && !byModule) {
      if (row.cohort_id) out.cohort.set(row.cohort_id, m);
    } else if (byModule && !byCohort) {
      if (row.module_id) out.module.set(row.module_id, m);
    } else out.total = m;
  }
  return out;
}

/** The SQL of aggregateMetric (exported for the benchmark's query plans). */
export function metricAggregateQuery(metric: Metric, from: Date | null, to: Date | null) {
  const period = sql`${from ? sql`AND r.submitted_at >= ${from}` : sql``} ${to ? sql`AND r.submitted_at < ${to}` : sql``}`;
  const values =
    metric === 'success'
      ? sql`
        SELECT r.cohort_id, r.module_id,
          CASE WHEN coalesce(r.passed, r.score / r.max_score >= 0.5) THEN 1.0::float8 ELSE 0.0::float8 END AS v
        FROM questionnaire_responses r
        JOIN questionnaires q ON q.organisation_id = r.organisation_id AND q.id = r.questionnaire_id
        WHERE r.status = 'submitted' AND q.kind IN (${sql.join([...SUCCESS_KINDS])}) AND r.max_score > 0 ${period}`
      : sql`
        SELECT r.cohort_id, r.module_id, avg(per_answer.v) AS v
        FROM (
          -- The type test sits in the CASE, not in WHERE, where its unknown selectivity would mislead the planner.
          SELECT a.response_id, CASE WHEN jsonb_typeof(a.value) <> 'number' THEN NULL
            WHEN qu.type = 'nps' THEN (a.value #>> '{}')::float8 / 10
            ELSE ((a.value #>> '{}')::float8 - coalesce((qu.settings->>'min')::float8, 1))
              / nullif(coalesce((qu.settings->>'max')::float8, 5) - coalesce((qu.settings->>'min')::float8, 1), 0) END AS v
          FROM questionnaire_answers a
          JOIN questions qu ON qu.organisation_id = a.organisation_id AND qu.id = a.question_id
          WHERE qu.type IN ('rating', 'nps')
          UNION ALL
          SELECT a.response_id, avg(k.position - 1)::float8 / (jsonb_array_length(qu.options) - 1) AS v
          FROM questionnaire_answers a
          JOIN questions qu ON qu.organisation_id = a.organisation_id AND qu.id = a.question_id
          CROSS JOIN LATERAL jsonb_each_text(a.value) e
          JOIN LATERAL jsonb_array_elements(qu.options) WITH ORDINALITY k(option, position) ON k.option->>'id' = e.value
          WHERE qu.type = 'likert' AND jsonb_typeof(a.value) = 'object' AND jsonb_array_length(qu.options) >= 2
          GROUP BY a.response_id, a.question_id, qu.options
        ) per_answer
        JOIN questionnaire_responses r ON r.id = per_answer.response_id
        JOIN questionnaires q ON q.organisation_id = r.organisation_id AND q.id = r.questionnaire_id
        WHERE r.status = 'submitted' AND q.kind IN (${sql.join([...SATISFACTION_KINDS])}) ${period}
        GROUP BY r.id, r.cohort_id, r.module_id
        HAVING avg(per_answer.v) IS NOT NULL`;
  return sql<{ cohort_id: string | null; module_id: string | null; g_cohort: number; g_module: number; n: string; total: number | null; squares: number | null }>`
    SELECT cohort_id, module_id, GROUPING(cohort_id) AS g_cohort, GROUPING(module_id) AS g_module,
      count(*) AS n, sum(v) AS total, sum(v * v) AS squares
    FROM (${values}) per_response
    GROUP BY GROUPING SETS ((cohort_id), (module_id), ())`;
}

/**
 * Cohorts and modules whose quiz success or satisfaction is significantly
 * below the rest of the organisation. Each unit with at least MIN_RESPONDENTS
 * responses is compared with all other responses of the organisation (success:
 * Fisher's exact test when an expected count is below 5, else the
 * two-proportion z-test; satisfaction: Welch's t-test; one-sided), then the
 * p-values of every unit tested are adjusted together (Benjamini–Hochberg);
 * a unit is flagged when q ≤ 0.05. Ranked by q, then p.
 */
export async function findStrugglingUnits(db: Db, ctx: Ctx, query: { from?: string | undefined; to?: string | undefined; locale?: 'fr' | 'en' | undefined }) {
  assertOrgWide(ctx.actor);
  const locale = query.locale ?? 'fr';
  const from = query.from ? new Date(`${query.from}T00:00:00Z`) : null;
  const to = query.to ? new Date(new Date(`${query.to}T00:00:00Z`).getTime() + 86_400_000) : null;
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const tested: Array<{ unitType: UnitType; unitId: string; metric: Metric; n: number; rate: number; baseline: number; baselineN: number; result: TestResult }> = [];
    const belowMinimum: Array<{ unitType: UnitType; unitId: string; metric: Metric; n: number }> = [];
    for (const metric of ['success', 'satisfaction'] as const) {
      const agg = await aggregateMetric(trx, metric, from, to);
      for (const unitType of ['cohort', 'module'] as const) {
        // "Everything else" = the organisation's totals minus the unit.
        const total = agg.total;
        for (const [unitId, inside] of agg[unitType]) {
          const n1 = inside.n;
          const n2 = total.n - n1;
          if (n1 < MIN_RESPONDENTS || n2 < 2) {
            belowMinimum.push({ unitType, unitId, metric, n: n1 });
            continue;
          }
          const sum1 = inside.sum;
          const sq1 = inside.sumSquares;
          const sum2 = total.sum - sum1;
          const result = metric === 'success' ? compareProportions(Math.round(sum1), n1, Math.round(sum2), n2) : welchFromMoments(momentsOf(n1, sum1, sq1), momentsOf(n2, sum2, total.sumSquares - sq1));
          tested.push({ unitType, unitId, metric, n: n1, rate: sum1 / n1, baseline: sum2 / n2, baselineN: n2, result });
        }
      }
    }
    const qs = benjaminiHochberg(tested.map((x) => x.result.p));
    const labels = await unitLabels(trx, tested.map((x) => ({ unitType: x.unitType, unitId: x.unitId })).concat(belowMinimum));
    const actions = await trx
      .selectFrom('improvement_actions')
      .select(['unit_type', 'unit_id', 'metric'])
      .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.count<string>('id').filterWhere('status', '!=', 'done').as('open')])
      .groupBy(['unit_type', 'unit_id', 'metric'])
      .execute();
    const actionsOf = (u: UnitType, id: string, m: Metric) => actions.find((a) => a.unit_type === u && a.unit_id === id && a.metric === m);
    const actionCount = (u: UnitType, id: string, m: Metric) => Number(actionsOf(u, id, m)?.n ?? 0);
    const openActionCount = (u: UnitType, id: string, m: Metric) => Number(actionsOf(u, id, m)?.open ?? 0);
    const units = tested
      .map((x, i) => {
        const q = qs[i]!;
        const label = labels.get(x.unitId) ?? x.unitId;
        const flagged = q <= FDR && x.rate < x.baseline;
        return {
          unitType: x.unitType,
          unitId: x.unitId,
          label,
          metric: x.metric,
          n: x.n,
          rate: Math.round(x.rate * 10_000) / 10_000,
          baseline: Math.round(x.baseline * 10_000) / 10_000,
          baselineN: x.baselineN,
          test: x.result.test,
          statistic: x.result.statistic === null ? null : Math.round(x.result.statistic * 1000) / 1000,
          p: x.result.p,
          q,
          flagged,
          reason: describeFinding({ unitType: x.unitType, label, metric: x.metric, rate: x.rate, baseline: x.baseline, n: x.n, p: x.result.p, q, test: x.result.test }, locale),
          actions: actionCount(x.unitType, x.unitId, x.metric),
          openActions: openActionCount(x.unitType, x.unitId, x.metric),
        };
      })
      .sort((a, b) => Number(b.flagged) - Number(a.flagged) || a.q - b.q || a.p - b.p || a.unitType.localeCompare(b.unitType) || a.label.localeCompare(b.label));
    return {
      method:
        locale === 'fr'
          ? `Chaque cohorte et chaque module ayant au moins ${MIN_RESPONDENTS} réponses est comparé au reste de l’organisation (réussite : test exact de Fisher si un effectif attendu est inférieur à 5, sinon test z de deux proportions ; satisfaction : test t de Welch ; tests unilatéraux). Les p-valeurs sont corrigées par Benjamini-Hochberg ; une unité est signalée si q ≤ ${formatNumber(FDR, 'fr', 2)}.`
          : `Each cohort and module with at least ${MIN_RESPONDENTS} responses is compared with the rest of the organisation (success: Fisher's exact test when an expected count is below 5, else the two-proportion z-test; satisfaction: Welch's t-test; one-sided). P-values are adjusted with Benjamini-Hochberg; a unit is flagged when q ≤ ${FDR}.`,
      minimumRespondents: MIN_RESPONDENTS,
      units,
      belowMinimum: belowMinimum.map((b) => ({ ...b, label: labels.get(b.unitId) ?? b.unitId })).sort((a, b) => a.metric.localeCompare(b.metric) || a.unitType.localeCompare(b.unitType) || a.label.localeCompare(b.label)),
    };
  });
}

async function unitLabels(trx: Tx, units: Array<{ unitType: UnitType; unitId: string }>): Promise<Map<string, string>> {
  const cohorts = [...new Set(units.filter((u) => u.unitType === 'cohort').map((u) => u.unitId))];
  const modules = [...new Set(units.filter((u) => u.unitType === 'module').map((u) => u.unitId))];
  const out = new Map<string, string>();
  if (cohorts.length) for (const c of await trx.selectFrom('cohorts').select(['id', 'name']).where('id', 'in', cohorts).execute()) out.set(c.id, c.name);
  if (modules.length) for (const m of await trx.selectFrom('modules').select(['id', 'title']).where('id', 'in', modules).execute()) out.set(m.id, m.title);
  return out;
}
