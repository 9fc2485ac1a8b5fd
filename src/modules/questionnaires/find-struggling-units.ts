import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import type { Db } from '../../platform/db/database.ts';
import { type Tx, withTenant } from '../../platform/db/tenant.ts';
import { sql } from 'kysely';
import { satisfactionOf } from './aggregate-answers.ts';
import { toQuestionDef } from './questionnaire.repository.ts';
import { benjaminiHochberg, compareProportions, momentsOf, type TestResult, welchFromMoments } from './statistics.ts';

/** Units with fewer respondents are not tested (and never flagged). */
export const MIN_RESPONDENTS = 8;
/** False discovery rate controlled across every unit tested in one run (Benjamini–Hochberg). */
export const FDR = 0.05;

type Metric = 'success' | 'satisfaction';
type UnitType = 'cohort' | 'module';
interface Observation {
  cohortId: string | null;
  moduleId: string | null;
  /** success: 0/1; satisfaction: 0–1 */
  value: number;
}

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

async function observations(trx: Tx, metric: Metric, from: Date | null, to: Date | null): Promise<Observation[]> {
  const kinds = metric === 'success' ? (['quiz', 'positioning'] as const) : (['satisfaction_hot', 'satisfaction_cold'] as const);
  let q = trx
    .selectFrom('questionnaire_responses as r')
    .innerJoin('questionnaires as q', (j) => j.onRef('q.organisation_id', '=', 'r.organisation_id').onRef('q.id', '=', 'r.questionnaire_id'))
    .select(['r.id', 'r.questionnaire_id', 'r.cohort_id', 'r.module_id', 'r.score', 'r.max_score', 'r.passed'])
    .where('r.status', '=', 'submitted')
    .where('q.kind', 'in', [...kinds]);
  if (from) q = q.where('r.submitted_at', '>=', from);
  if (to) q = q.where('r.submitted_at', '<', to);
  const rows = await q.execute();
  if (metric === 'success') {
    return rows
      .filter((r) => r.max_score !== null && Number(r.max_score) > 0)
      .map((r) => ({ cohortId: r.cohort_id, moduleId: r.module_id, value: (r.passed ?? Number(r.score) / Number(r.max_score) >= 0.5) ? 1 : 0 }));
  }
  if (rows.length === 0) return [];
  // Per response: the sum and count of 0–1 satisfaction values. Rating and NPS answers are summed in SQL; Likert ones (rarer) here.
  const acc = new Map<string, { sum: number; n: number }>();
  const numeric = await sql<{ response_id: string; total: string | null; n: string }>`
    SELECT a.response_id,
      sum(CASE WHEN qu.type = 'nps' THEN (a.value #>> '{}')::numeric / 10
               ELSE ((a.value #>> '{}')::numeric - coalesce((qu.settings->>'min')::numeric, 1))
                    / nullif(coalesce((qu.settings->>'max')::numeric, 5) - coalesce((qu.settings->>'min')::numeric, 1), 0) END) AS total,
      count(*) AS n
    FROM questionnaire_answers a
    JOIN questions qu ON qu.organisation_id = a.organisation_id AND qu.id = a.question_id
    JOIN questionnaire_responses r ON r.organisation_id = a.organisation_id AND r.id = a.response_id
    JOIN questionnaires q ON q.organisation_id = r.organisation_id AND q.id = r.questionnaire_id
    WHERE qu.type IN ('rating', 'nps') AND jsonb_typeof(a.value) = 'number' AND r.status = 'submitted'
      AND q.kind IN ('satisfaction_hot', 'satisfaction_cold')
      ${from ? sql`AND r.submitted_at >= ${from}` : sql``} ${to ? sql`AND r.submitted_at < ${to}` : sql``}
    GROUP BY a.response_id`.execute(trx);
  for (const row of numeric.rows) if (row.total !== null) acc.set(row.response_id, { sum: Number(row.total), n: Number(row.n) });
  const qids = [...new Set(rows.map((r) => r.questionnaire_id))];
  const likert = (await trx.selectFrom('questions').selectAll().where('questionnaire_id', 'in', qids).where('type', '=', 'likert').execute()).map(toQuestionDef);
  if (likert.length) {
    const byId = new Map(likert.map((q) => [q.id, q]));
    const answers = await trx
      .selectFrom('questionnaire_answers as a')
      .innerJoin('questionnaire_responses as r', (j) => j.onRef('r.organisation_id', '=', 'a.organisation_id').onRef('r.id', '=', 'a.response_id'))
      .select(['a.response_id', 'a.question_id', 'a.value'])
      .where('a.question_id', 'in', likert.map((q) => q.id))
      .where('r.status', '=', 'submitted')
      .execute();
    for (const a of answers) {
      const v = satisfactionOf(byId.get(a.question_id)!, a.value);
      if (v === null) continue;
      const cur = acc.get(a.response_id) ?? { sum: 0, n: 0 };
      acc.set(a.response_id, { sum: cur.sum + v, n: cur.n + 1 });
    }
  }
  const out: Observation[] = [];
  for (const r of rows) {
    const a = acc.get(r.id);
    if (a && a.n > 0) out.push({ cohortId: r.cohort_id, moduleId: r.module_id, value: a.sum / a.n });
  }
  return out;
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
      const obs = await observations(trx, metric, from, to);
      for (const unitType of ['cohort', 'module'] as const) {
        const keyOf = (o: Observation) => (unitType === 'cohort' ? o.cohortId : o.moduleId);
        const byUnit = new Map<string, number[]>();
        for (const o of obs) {
          const k = keyOf(o);
          if (!k) continue;
          const list = byUnit.get(k);
          if (list) list.push(o.value);
          else byUnit.set(k, [o.value]);
        }
        // "Everything else" = the totals minus the unit (no copy of the other observations per unit).
        const total = { n: obs.length, sum: 0, sumSquares: 0 };
        for (const o of obs) {
          total.sum += o.value;
          total.sumSquares += o.value * o.value;
        }
        for (const [unitId, inside] of byUnit) {
          const n1 = inside.length;
          const n2 = total.n - n1;
          if (n1 < MIN_RESPONDENTS || n2 < 2) {
            belowMinimum.push({ unitType, unitId, metric, n: n1 });
            continue;
          }
          let sum1 = 0;
          let sq1 = 0;
          for (const v of inside) {
            sum1 += v;
            sq1 += v * v;
          }
          const sum2 = total.sum - sum1;
          const result = metric === 'success' ? compareProportions(Math.round(sum1), n1, Math.round(sum2), n2) : welchFromMoments(momentsOf(n1, sum1, sq1), momentsOf(n2, sum2, total.sumSquares - sq1));
          tested.push({ unitType, unitId, metric, n: n1, rate: sum1 / n1, baseline: sum2 / n2, baselineN: n2, result });
        }
      }
    }
    const qs = benjaminiHochberg(tested.map((x) => x.result.p));
    const labels = await unitLabels(trx, tested.map((x) => ({ unitType: x.unitType, unitId: x.unitId })).concat(belowMinimum));
    const actions = await trx.selectFrom('improvement_actions').select(['unit_type', 'unit_id', 'metric']).select((eb) => eb.fn.countAll<string>().as('n')).groupBy(['unit_type', 'unit_id', 'metric']).execute();
    const actionCount = (u: UnitType, id: string, m: Metric) => Number(actions.find((a) => a.unit_type === u && a.unit_id === id && a.metric === m)?.n ?? 0);
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
        };
      })
      .sort((a, b) => Number(b.flagged) - Number(a.flagged) || a.q - b.q || a.p - b.p);
    return {
      method:
        locale === 'fr'
          ? `Chaque cohorte et chaque module ayant au moins ${MIN_RESPONDENTS} réponses est comparé au reste de l’organisation (réussite : test exact de Fisher si un effectif attendu est inférieur à 5, sinon test z de deux proportions ; satisfaction : test t de Welch ; tests unilatéraux). Les p-valeurs sont corrigées par Benjamini-Hochberg ; une unité est signalée si q ≤ ${formatNumber(FDR, 'fr', 2)}.`
          : `Each cohort and module with at least ${MIN_RESPONDENTS} responses is compared with the rest of the organisation (success: Fisher's exact test when an expected count is below 5, else the two-proportion z-test; satisfaction: Welch's t-test; one-sided). P-values are adjusted with Benjamini-Hochberg; a unit is flagged when q ≤ ${FDR}.`,
      minimumRespondents: MIN_RESPONDENTS,
      units,
      belowMinimum: belowMinimum.map((b) => ({ ...b, label: labels.get(b.unitId) ?? b.unitId })),
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
