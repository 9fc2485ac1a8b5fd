import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { addDaysToDate } from '../catalogue/session-time.ts';
import type { RiskBand, RiskReason } from './analytics.table.ts';
import { daysBetween, loadEmargeLearners } from './emarge/emarge-learners.ts';
import { parseRiskModelArtifact } from './engine/artifact.ts';
import { assertSchemaMatches } from './engine/risk-model.ts';
import { buildFeatureMatrix, buildFeatureSchema, findRecordedSources } from './features/feature-schema.ts';
import { getModelVersion, getOrganisationFacts, parseJson } from './model-version.repository.ts';
import { describeFeature } from './reason-texts.ts';
import { scoreInWorker } from './train-in-worker.ts';

/** Weeks of history stored per learner at each scoring (the trend). */
export const TREND_WEEKS = 4;

/** high: at or above the model's decision threshold (max F1 on validation); medium: at or above half of it. */
export function bandOf(probability: number, threshold: number): RiskBand {
  if (probability >= threshold) return 'high';
  if (probability >= threshold / 2) return 'medium';
  return 'low';
}

/**
 * Scores the learners currently enrolled (active enrolments in cohorts that
 * have started and not ended) with a ready model version, for the week in
 * progress and the few before it (the trend), each with its top reasons from
 * integrated gradients, in French and English. The current data must have the
 * model's feature schema (else ml_schema_mismatch: retrain). Predictions are
 * upserted: scoring twice in a week updates them.
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
    return { model, today: facts.today, learners };
  });
  const { model, today, learners } = loaded;
  const artifact = parseRiskModelArtifact(parseJson(model.artifact));
  const expected = artifact.featureSchema;
  const rows: Array<{ person_id: string; cohort_id: string; week_start: string; step: number; probability: number; band: RiskBand; reasons: RiskReason[] }> = [];
  if (learners.length) {
    const current = buildFeatureSchema(findRecordedSources(learners.map((l) => l.timeline)), expected.steps);
    assertSchemaMatches(expected, current);
    const x = buildFeatureMatrix(learners.map((l) => l.timeline), current);
    const weeks = learners.map((l, i) => {
      const step = Math.max(0, Math.min(expected.steps - 1, Math.floor(daysBetween(l.cohortStart, today) / 7)));
      const steps: number[] = [];
      for (let s = Math.max(0, step - TREND_WEEKS + 1); s <= step; s++) steps.push(s);
      return { learner: i, steps };
    });
    // The model and its integrated gradients run in a worker thread: the server keeps answering meanwhile.
    const scored = await scoreInWorker({ artifact, schema: current, x, n: learners.length, weeks, top: 3, pathSteps: 16 });
    for (const w of scored) {
      const l = learners[w.learner]!;
      rows.push({
        person_id: l.personId,
        cohort_id: l.cohortId,
        week_start: addDaysToDate(l.cohortStart, 7 * w.step),
        step: w.step,
        probability: w.probability,
        band: bandOf(w.probability, artifact.threshold),
        reasons: w.raising.map((f) => ({ feature: f.feature, ...describeFeature(f.feature, f.value), contribution: Math.round(f.attribution * 1e4) / 1e4 })),
      });
    }
  }
  return withTenant(db, organisationId, async (trx) => {
    for (let i = 0; i < rows.length; i += 500) {
      await trx
        .insertInto('risk_predictions')
        .values(rows.slice(i, i + 500).map((r) => ({ organisation_id: organisationId, model_version_id: model.id, ...r, reasons: JSON.stringify(r.reasons) })))
        .onConflict((oc) => oc.columns(['organisation_id', 'model_version_id', 'cohort_id', 'person_id', 'week_start']).doUpdateSet((eb) => ({ probability: eb.ref('excluded.probability'), band: eb.ref('excluded.band'), reasons: eb.ref('excluded.reasons'), step: eb.ref('excluded.step') })))
        .execute();
    }
    await recordAuditEvent(trx, ctx, { type: 'analytics.learners_scored', subjectType: 'model_version', subjectId: model.id, payload: { modelVersionId: model.id, learners: learners.length, predictions: rows.length } });
    return { modelVersionId: model.id, version: model.version, learners: learners.length, predictions: rows.length, asOf: today };
  });
}
