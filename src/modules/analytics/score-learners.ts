import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { addDaysToDate } from '../catalogue/session-time.ts';
import type { PredictionBand, RiskBand, RiskReason } from './analytics.table.ts';
import { daysBetween, loadEmargeLearners } from './emarge/emarge-learners.ts';
import { parseRiskModelArtifact, type RiskModelArtifact } from './engine/artifact.ts';
import { assertSchemaMatches } from './engine/risk-model.ts';
import { buildFeatureMatrix, buildFeatureSchema, findRecordedSources, type FeatureSchema } from './features/feature-schema.ts';
import type { LearnerTimeline } from './features/learner-timeline.ts';
import { getModelVersion, getOrganisationFacts, parseJson } from './model-version.repository.ts';
import { describeFact } from './reason-texts.ts';
import { bandAtWeek, type WeeklyBands } from './risk-bands.ts';
import { scoreInWorker } from './train-in-worker.ts';

/** Weeks of history stored per learner at each scoring (the trend). */
export const TREND_WEEKS = 4;
/** At most this many reasons are shown. */
const REASONS_SHOWN = 3;
/** A cohort needs this many learners with enough data that week to have a median; else past learners' means. */
const MIN_COHORT_FOR_MEDIAN = 3;

/** Models trained before issue 13 have no weekly bands: high at or above the decision threshold (max F1 on validation), medium at half of it. */
export function bandOf(probability: number, threshold: number): RiskBand {
  if (probability >= threshold) return 'high';
  if (probability >= threshold / 2) return 'medium';
  return 'low';
}

/** Recorded half-days known at the cut-off of `step` (day 7·step), and those of the week before it. */
export function halfDaysKnown(timeline: LearnerTimeline, step: number): { total: number; lastWeek: number } {
  const cutoff = 7 * step;
  let total = 0, lastWeek = 0;
  for (const e of timeline.attendance ?? []) {
    if (e.day >= cutoff) continue;
    total++;
    if (e.day >= cutoff - 7) lastWeek++;
  }
  return { total, lastWeek };
}

export interface DataRule {
  minHalfDays: number;
  minWeeks: number;
}

/**
 * "Not enough data yet": before `minWeeks` weeks of programme, or, where
 * attendance is recorded, fewer than `minHalfDays` recorded half-days known
 * at the week's cut-off (data without attendance, such as OULAD's, has the
 * weeks rule only).
 */
export function hasEnoughData(timeline: LearnerTimeline, step: number, rule: DataRule): boolean {
  if (step < rule.minWeeks) return false;
  return timeline.attendance === null || halfDaysKnown(timeline, step).total >= rule.minHalfDays;
}

export interface ReasonCandidate {
  feature: string;
  value: number;
  attribution: number;
  reason: RiskReason;
}

/**
 * The reasons shown, strongest first; `previous` (last week's top reason, same
 * model) stays first while it is still a reason and its fact has not changed,
 * so that the list does not shuffle from one week to the next on its own.
 */
export function chooseReasons(candidates: readonly ReasonCandidate[], previous: { feature: string; value: number } | null, sticky = true): RiskReason[] {
  const ordered = [...candidates].sort((a, b) => b.attribution - a.attribution);
  if (sticky && previous) {
    const i = ordered.findIndex((c) => c.feature === previous.feature && Math.abs(c.value - previous.value) < 1e-4);
    if (i > 0) ordered.unshift(...ordered.splice(i, 1));
  }
  return ordered.slice(0, REASONS_SHOWN).map((c) => c.reason);
}

function medianOf(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface LearnerToScore {
  personId: string;
  cohortId: string;
  timeline: LearnerTimeline;
}

export interface PredictedWeek {
  learner: number;
  step: number;
  probability: number | null;
  band: PredictionBand;
  reasons: RiskReason[];
}

/**
 * The product's answer for the asked weeks of each learner: "not enough data"
 * under the organisation's rule, else the probability, its band against the
 * week's base rate, and the reasons (facts worse than the cohort's median
 * that week, among the factors that raise the risk). `previousTop` holds
 * the top reason stored for the week before the first asked one
 * (`cohortId/personId/step`); `sticky: false` turns the stability rule off
 * (for measuring it). The model and its integrated gradients run in a worker thread.
 */
export async function predictLearnerWeeks(
  artifact: RiskModelArtifact,
  bands: WeeklyBands | null,
  learners: readonly LearnerToScore[],
  stepsOf: readonly (readonly number[])[],
  rule: DataRule,
  options: {
    previousTop?: Map<string, { feature: string; value: number }>;
    sticky?: boolean;
    schema?: FeatureSchema;
    /** Called with each scored week's reason candidates (benchmarks: the ordering without the stability rule). */
    onCandidates?: (learner: number, step: number, candidates: readonly ReasonCandidate[]) => void;
  } = {},
): Promise<PredictedWeek[]> {
  if (!learners.length) return [];
  const expected = artifact.featureSchema;
  // The schema of the data; a benchmark may impose the training data's (a source recorded there only reads as not recorded).
  const current = options.schema ?? buildFeatureSchema(findRecordedSources(learners.map((l) => l.timeline)), expected.steps);
  assertSchemaMatches(expected, current);
  const x = buildFeatureMatrix(learners.map((l) => l.timeline), current);
  const f = current.features.length;
  const at = (i: number, s: number, j: number) => x[(i * current.steps + s) * f + j]!;
  const plan = learners.map((l, i) => ({
    learner: i,
    steps: stepsOf[i]!.map((s) => ({ step: s, enough: hasEnoughData(l.timeline, s, rule), lastWeek: halfDaysKnown(l.timeline, s).lastWeek })),
  }));
  // Cohort medians per week, over the cohort's learners with enough data that week.
  const members = new Map<string, number[]>();
  for (const p of plan) {
    for (const s of p.steps) {
      if (!s.enough) continue;
      const key = `${learners[p.learner]!.cohortId}/${s.step}`;
      const list = members.get(key) ?? [];
      list.push(p.learner);
      members.set(key, list);
    }
  }
  const medians = new Map<string, number[]>();
  for (const [key, list] of members) {
    const step = Number(key.slice(key.lastIndexOf('/') + 1));
    if (list.length >= MIN_COHORT_FOR_MEDIAN) medians.set(key, current.features.map((_, j) => medianOf(list.map((i) => at(i, step, j)))));
  }
  const weeks = plan.map((p) => ({ learner: p.learner, steps: p.steps.filter((s) => s.enough).map((s) => s.step) })).filter((w) => w.steps.length);
  const scored = weeks.length ? await scoreInWorker({ artifact, schema: current, x, n: learners.length, weeks, top: f, pathSteps: 16 }) : [];
  const byKey = new Map(scored.map((w) => [`${w.learner}/${w.step}`, w]));
  const out: PredictedWeek[] = [];
  for (const p of plan) {
    const l = learners[p.learner]!;
    let previous: { feature: string; value: number } | null = null;
    for (const [k, s] of p.steps.entries()) {
      if (k === 0) previous = options.previousTop?.get(`${l.cohortId}/${l.personId}/${s.step - 1}`) ?? null;
      const w = byKey.get(`${p.learner}/${s.step}`);
      if (!s.enough || !w) {
        out.push({ learner: p.learner, step: s.step, probability: null, band: 'insufficient_data', reasons: [] });
        previous = null;
        continue;
      }
      const cohortMedians = medians.get(`${l.cohortId}/${s.step}`) ?? null;
      const row = (name: string) => {
        const j = current.features.indexOf(name);
        return j < 0 ? undefined : at(p.learner, s.step, j);
      };
      const candidates: ReasonCandidate[] = [];
      for (const factor of w.raising) {
        const j = current.features.indexOf(factor.feature);
        const reference = cohortMedians ? cohortMedians[j]! : artifact.normalisation.mean[j]!;
        const words = describeFact(factor.feature, factor.value, reference, row, { halfDaysLastWeek: s.lastWeek }, cohortMedians ? 'cohort' : 'past');
        if (!words) continue;
        candidates.push({
          feature: factor.feature,
          value: factor.value,
          attribution: factor.attribution,
          reason: { feature: factor.feature, ...words, contribution: Math.round(factor.attribution * 1e4) / 1e4, value: Math.round(factor.value * 1e4) / 1e4, cohort_median: Math.round(reference * 1e4) / 1e4 },
        });
      }
      options.onCandidates?.(p.learner, s.step, candidates);
      const reasons = chooseReasons(candidates, previous, options.sticky ?? true);
      let band: RiskBand = bands ? bandAtWeek(w.probability, s.step, bands) : bandOf(w.probability, artifact.threshold);
      if (band === 'high' && !reasons.length) band = 'medium'; // never "high" without a fact of their own
      out.push({ learner: p.learner, step: s.step, probability: w.probability, band, reasons });
      previous = reasons[0] ? { feature: reasons[0].feature, value: reasons[0].value! } : null;
    }
  }
  return out;
}

/**
 * Scores the learners currently enrolled (active enrolments in cohorts that
 * have started and not ended) with a ready model version, for the week in
 * progress and the few before it (the trend).
 *
 * - A learner-week with too little data (settings.analytics.minHalfDays,
 *   minWeeks) is stored as `insufficient_data`, without a probability.
 * - The band is set against the base rate of withdrawal at that week of
 *   programme (risk-bands.ts; older models: the decision threshold).
 * - Reasons: factors that raise this learner's risk (integrated gradients)
 *   and are facts worse than their cohort's median the same week
 *   (reason-texts.ts FACT_RULES); a learner with no such fact is never "high"
 *   (shown "medium", without a reason of their own).
 *
 * The current data must have the model's feature schema (else
 * ml_schema_mismatch: retrain). Predictions are upserted: scoring twice in a
 * week updates them.
 */
export async function scoreLearners(db: Db, ctx: Ctx, modelVersionId: string, deps: { clock: Clock }) {
  assertOrgWide(ctx.actor);
  const organisationId = ctx.actor.organisationId;
  const loaded = await withTenant(db, organisationId, async (trx) => {
    const model = await getModelVersion(trx, modelVersionId);
    if (!model) throw notFound('Model version');
    if (model.status !== 'ready' || !model.artifact) throw AppError.because('conflict', 'model_not_ready', { version: model.version, status: model.status });
    const facts = await getOrganisationFacts(trx, organisationId, deps.clock.now());
    const learners = (await loadEmargeLearners(trx, { asOf: facts.today, statuses: ['active'] })).filter((l) => l.cohortStart <= facts.today && l.cohortEnd >= facts.today);
    const stored = learners.length
      ? await trx.selectFrom('risk_predictions').select(['person_id', 'cohort_id', 'step', 'reasons']).where('model_version_id', '=', model.id).where('cohort_id', 'in', [...new Set(learners.map((l) => l.cohortId))]).execute()
      : [];
    return { model, today: facts.today, learners, rule: { minHalfDays: facts.analytics.minHalfDays, minWeeks: facts.analytics.minWeeks }, stored };
  });
  const { model, today, learners, rule, stored } = loaded;
  const artifact = parseRiskModelArtifact(parseJson(model.artifact));
  const bands = parseJson<{ bands?: WeeklyBands } | null>(model.metrics)?.bands ?? null;
  const expected = artifact.featureSchema;
  const previousTop = new Map<string, { feature: string; value: number }>();
  for (const r of stored) {
    const top = parseJson<RiskReason[]>(r.reasons)[0];
    if (top?.value !== undefined) previousTop.set(`${r.cohort_id}/${r.person_id}/${r.step}`, { feature: top.feature, value: top.value });
  }
  const steps = learners.map((l) => {
    const step = Math.max(0, Math.min(expected.steps - 1, Math.floor(daysBetween(l.cohortStart, today) / 7)));
    const list: number[] = [];
    for (let s = Math.max(0, step - TREND_WEEKS + 1); s <= step; s++) list.push(s);
    return list;
  });
  const predicted = await predictLearnerWeeks(artifact, bands, learners, steps, rule, { previousTop });
  const rows = predicted.map((p) => {
    const l = learners[p.learner]!;
    return { person_id: l.personId, cohort_id: l.cohortId, week_start: addDaysToDate(l.cohortStart, 7 * p.step), step: p.step, probability: p.probability, band: p.band, reasons: p.reasons };
  });
  return withTenant(db, organisationId, async (trx) => {
    for (let i = 0; i < rows.length; i += 500) {
      await trx
        .insertInto('risk_predictions')
        .values(rows.slice(i, i + 500).map((r) => ({ organisation_id: organisationId, model_version_id: model.id, ...r, reasons: JSON.stringify(r.reasons), created_at: deps.clock.now() })))
        .onConflict((oc) => oc.columns(['organisation_id', 'model_version_id', 'cohort_id', 'person_id', 'week_start']).doUpdateSet((eb) => ({ probability: eb.ref('excluded.probability'), band: eb.ref('excluded.band'), reasons: eb.ref('excluded.reasons'), step: eb.ref('excluded.step') })))
        .execute();
    }
    const insufficient = rows.filter((r) => r.band === 'insufficient_data').length;
    await recordAuditEvent(trx, ctx, { type: 'analytics.learners_scored', subjectType: 'model_version', subjectId: model.id, payload: { modelVersionId: model.id, learners: learners.length, predictions: rows.length } });
    return { modelVersionId: model.id, version: model.version, learners: learners.length, predictions: rows.length, insufficientData: insufficient, asOf: today };
  });
}
