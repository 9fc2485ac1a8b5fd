import { assertAdmin, assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import { getJob } from '../../platform/jobs/job-queue.ts';
import { withSystem } from '../../platform/db/tenant.ts';
import { buildEmargeDataset } from './emarge/emarge-dataset.ts';
import { loadEmargeLearners } from './emarge/emarge-learners.ts';
import type { RiskModelArtifact } from './engine/artifact.ts';
import { getModelRuntime } from './engine/model-runtime.ts';
import { assertSchemaMatches, loadRiskModel } from './engine/risk-model.ts';
import { computeFairness, type FairnessReport } from './fairness/fairness-metrics.ts';
import { buildFeatureSchema, findRecordedSources, mentionsProtectedAttribute } from './features/feature-schema.ts';
import { getModelVersion, getOrganisationFacts, parseJson, updateAnalyticsSettings, type AnalyticsSettings } from './model-version.repository.ts';
import { featureMeaning } from './reason-texts.ts';
import { bandOf } from './score-learners.ts';
import type { Tx } from '../../platform/db/tenant.ts';
import { TRAIN_JOB } from './request-training.ts';

const iso = (d: Date | string | null): string | null => (d ? new Date(d).toISOString() : null);

type ModelRow = NonNullable<Awaited<ReturnType<typeof getModelVersion>>>;

function presentModel(m: ModelRow) {
  return {
    id: m.id,
    version: m.version,
    kind: m.kind,
    status: m.status,
    metrics: m.metrics ? parseJson<Record<string, unknown>>(m.metrics) : null,
    dataWindow: m.data_window ? parseJson<Record<string, unknown>>(m.data_window) : null,
    codeVersion: m.code_version,
    error: m.error,
    trainedAt: iso(m.trained_at),
    trainingJobId: m.training_job_id === null ? null : Number(m.training_job_id),
    createdBy: m.created_by,
    createdAt: iso(m.created_at)!,
  };
}

export async function listModelVersions(db: Db, ctx: Ctx) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const rows = await trx.selectFrom('model_versions').selectAll().orderBy('version', 'desc').limit(100).execute();
    return { items: rows.map(presentModel) };
  });
}

async function getReadyModel(trx: Tx, id: string): Promise<{ model: ModelRow; artifact: RiskModelArtifact }> {
  const model = await getModelVersion(trx, id);
  if (!model) throw notFound('Model version');
  if (!model.artifact) throw AppError.because('conflict', 'model_not_trained', { version: model.version, status: model.status });
  return { model, artifact: parseJson<RiskModelArtifact>(model.artifact) };
}

export async function getModelVersionById(db: Db, ctx: Ctx, id: string) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const model = await getModelVersion(trx, id);
    if (!model) throw notFound('Model version');
    return presentModel(model);
  });
}

/**
 * The fairness report of a model version for one group attribute, on the
 * held-out (validation) cohorts of its training: per group AUC, TPR/FPR at the
 * decision threshold, calibration, disparity ratios and warnings. Only
 * computed when the organisation has recorded that attribute, with a legal
 * basis (POST /analytics/group-attributes); the attribute is never a model input.
 */
export async function getFairnessReport(db: Db, ctx: Ctx, id: string, attributeParam: string | undefined) {
  assertOrgWide(ctx.actor);
  const loaded = await withTenant(db, ctx.actor.organisationId, async (trx) => {
    const { model, artifact } = await getReadyModel(trx, id);
    if (!attributeParam) throw new AppError('validation_failed', 'Name the group attribute to audit: ?attribute=gender (for example).', { errors: [problemItem('querystring.attribute', 'value_required')] });
    const attribute = attributeParam;
    const values = await trx.selectFrom('group_attributes').select(['person_id', 'value', 'legal_basis']).where('attribute', '=', attribute).execute();
    if (!values.length) throw AppError.because('unprocessable', 'attribute_not_recorded', { attribute });
    const window = artifact.dataWindow as { validationCohorts?: string[]; asOf?: string };
    const cohortIds = window.validationCohorts ?? [];
    const learners = (await loadEmargeLearners(trx, { asOf: window.asOf ?? '9999-12-31', cohortIds })).filter((l) => l.outcome !== null);
    return { model, artifact, values, learners };
  });
  const { model, artifact, values, learners } = loaded;
  const attribute = attributeParam!;
  const groupOf = new Map(values.map((v) => [v.person_id, v.value]));
  const schema = buildFeatureSchema(findRecordedSources(learners.map((l) => l.timeline)), artifact.featureSchema.steps);
  // Each warning in English (API clients) and as a code with its figures (the web app words it in the reader's language).
  const details: Array<{ code: string; params: Record<string, string | number> }> = [];
  const warnings: string[] = [];
  const warn = (code: string, params: Record<string, string | number>, text: string) => {
    details.push({ code, params });
    warnings.push(text);
  };
  let report: FairnessReport | null = null;
  let learnersWithout = 0;
  if (learners.length) {
    assertSchemaMatches(artifact.featureSchema, schema);
    const d = buildEmargeDataset(learners, schema);
    const runtime = await getModelRuntime();
    const risk = loadRiskModel(runtime, artifact);
    let p: Float32Array;
    try {
      p = risk.predictRisk(d.x, d.n, schema);
    } finally {
      risk.dispose();
    }
    const labels: number[] = [], probs: number[] = [], groups: string[] = [];
    learners.forEach((l, i) => {
      const g = groupOf.get(l.personId);
      if (g === undefined) {
        learnersWithout++;
        return;
      }
      for (let s = 0; s < d.steps; s++) {
        const k = i * d.steps + s;
        if (d.mask[k] !== 1) continue;
        labels.push(d.y[k]!);
        probs.push(p[k]!);
        groups.push(g);
      }
    });
    if (labels.length) report = computeFairness(attribute, labels, probs, groups, artifact.threshold, { minGroupSize: 30 });
  }
  if (!report) warn('no_values', {}, 'No held-out learner of this model has a recorded value for this attribute: nothing to compare.');
  else {
    if (report.smallGroups.length) warn('small_groups', { minimum: report.minGroupSize, groups: report.smallGroups.join(', ') }, `Groups with fewer than ${report.minGroupSize} learner-weeks are too small to compare and left out of the disparities: ${report.smallGroups.join(', ')}.`);
    if (report.disparity.belowFourFifths) warn('four_fifths', {}, 'A true-positive or selection rate ratio is below 0.8 (four-fifths rule of thumb): the model flags one group markedly more or less than another.');
    if (report.disparity.aucGap !== null && report.disparity.aucGap > 0.1) warn('auc_gap', { gap: Number(report.disparity.aucGap.toFixed(2)) }, `The AUC differs by ${report.disparity.aucGap.toFixed(2)} between groups: the model ranks one group's learners less well.`);
    if (report.disparity.maxCalibrationGap !== null && report.disparity.maxCalibrationGap > 0.1) warn('calibration_gap', { gap: Number(report.disparity.maxCalibrationGap.toFixed(2)) }, `Predicted and observed withdrawal rates differ by up to ${report.disparity.maxCalibrationGap.toFixed(2)} within a group: probabilities are miscalibrated for it.`);
    if (report.groups.length < 2) warn('single_group', {}, 'Only one group is present among the held-out learners: no comparison is possible.');
  }
  if (learnersWithout) warn('missing_values', { count: learnersWithout }, `${learnersWithout} held-out learner(s) have no recorded value and are left out.`);
  return {
    modelVersionId: model.id,
    version: model.version,
    attribute,
    legalBases: [...new Set(values.map((v) => v.legal_basis))],
    evaluatedOn: 'the held-out (validation) cohorts of this model, one row per learner-week',
    dataLabel: (parseJson<{ label?: string } | null>(model.metrics)?.label) ?? 'organisation data',
    usedAsModelInput: false,
    report,
    warnings,
    warningDetails: details,
  };
}

/** The model card: what the model is, on what data, how good, its limits and intended use. */
export async function getModelCard(db: Db, ctx: Ctx, id: string) {
  assertOrgWide(ctx.actor);
  const { model, artifact, attributes } = await withTenant(db, ctx.actor.organisationId, async (trx) => {
    const ready = await getReadyModel(trx, id);
    const attributes = (await trx.selectFrom('group_attributes').select('attribute').distinct().orderBy('attribute').execute()).map((r) => r.attribute);
    return { ...ready, attributes };
  });
  const fairness = [];
  for (const attribute of attributes.slice(0, 5)) {
    const f = await getFairnessReport(db, ctx, id, attribute);
    fairness.push({ attribute, groups: f.report?.groups.map((g) => ({ group: g.group, n: g.n, auc: g.auc, tpr: g.tpr, fpr: g.fpr })) ?? [], disparity: f.report?.disparity ?? null, warnings: f.warnings });
  }
  const metrics = parseJson<Record<string, unknown> & { label?: string }>(model.metrics);
  const schema = artifact.featureSchema;
  const notRecorded = (['assessments', 'activity', 'satisfaction'] as const).filter((s) => !schema.sources.includes(s));
  return {
    modelVersionId: model.id,
    version: model.version,
    status: model.status,
    kind: model.kind,
    trainedAt: iso(model.trained_at),
    codeVersion: model.code_version,
    target: artifact.target,
    architecture: { ...artifact.topology },
    data: {
      window: artifact.dataWindow,
      label: metrics?.label ?? 'organisation data',
      sourcesUsed: schema.sources,
      sourcesNotRecorded: notRecorded,
      weeks: schema.steps - 1,
    },
    features: schema.features.map(featureMeaning),
    protectedAttributesUsed: schema.features.filter(mentionsProtectedAttribute),
    metrics,
    bands: { high: `probability ≥ ${artifact.threshold.toFixed(3)} (the threshold maximising F1 on validation)`, medium: `probability ≥ ${(artifact.threshold / 2).toFixed(3)}`, low: 'below' },
    intendedUse: {
      en: 'Advisory: to help training staff notice learners who may be drifting away early enough to talk with them. Every prediction is shown with its reasons and reviewed by a person; it must not be used for automated decisions about a learner (selection, sanctions, funding).',
      fr: 'Indicatif : aider l’équipe pédagogique à repérer assez tôt les apprenants qui décrochent peut-être, pour en parler avec eux. Chaque prédiction est montrée avec ses raisons et examinée par une personne ; elle ne doit pas servir à des décisions automatisées concernant un apprenant (sélection, sanctions, financement).',
    },
    limits: [
      'Trained on this organisation\'s past enrolments only; new programs or changed practices (e.g. how absences are recorded) make it less reliable until it is retrained.',
      'Only attendance (and program facts) are used today: quizzes, satisfaction and online activity are not recorded by Emarge yet, so disengagement that does not show in attendance is missed.',
      'Calibration and the decision threshold are fitted on the same held-out cohorts as the reported metrics: with few cohorts, the figures are optimistic and noisy.',
      'Withdrawals for outside reasons (a job, a move, health) often give no sign beforehand and cannot be predicted.',
      ...(metrics?.label === 'demo data (simulation)' ? ['These metrics are measured on the demo\'s SIMULATED history: they say nothing about accuracy on real learners.'] : []),
    ],
    humanOversight: 'Staff review each prediction (contacted, plan agreed, no action, prediction wrong); learners see their own predictions and reasons and may object (GET /me/risk, POST /me/risk/objections).',
    fairness: fairness.length ? fairness : null,
  };
}

export async function getAnalyticsSettings(db: Db, ctx: Ctx, clock: Clock) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const facts = await getOrganisationFacts(trx, ctx.actor.organisationId, clock.now());
    return { retrain: facts.analytics.retrain, simulatedHistory: facts.analytics.simulatedHistory };
  });
}

export async function updateSettings(db: Db, ctx: Ctx, clock: Clock, patch: Pick<AnalyticsSettings, 'retrain'>) {
  assertAdmin(ctx.actor);
  await withTenant(db, ctx.actor.organisationId, async (trx) => {
    await updateAnalyticsSettings(trx, ctx.actor.organisationId, { retrain: patch.retrain });
    await recordAuditEvent(trx, ctx, { type: 'analytics.settings_updated', subjectType: 'organisation', subjectId: ctx.actor.organisationId, payload: { retrain: patch.retrain ?? 'off' } });
  });
  return getAnalyticsSettings(db, ctx, clock);
}

/** A training job of the caller's organisation, with its progress {phase, epoch, epochs, etaSeconds}. Staff only. */
export async function getTrainingJob(db: Db, ctx: Ctx, id: number) {
  assertOrgWide(ctx.actor);
  const job = await withSystem(db, (trx) => getJob(trx, id));
  if (!job || job.organisation_id !== ctx.actor.organisationId || job.type !== TRAIN_JOB) throw notFound('Training job');
  const progress = parseJson<Record<string, unknown> | null>(job.progress);
  return {
    id: Number(job.id),
    status: job.status,
    progress: progress
      ? { phase: String(progress.phase ?? 'queued'), epoch: Number(progress.epoch ?? 0), epochs: Number(progress.epochs ?? 0), etaSeconds: typeof progress.etaSeconds === 'number' ? progress.etaSeconds : null, validationAuc: typeof progress.validationAuc === 'number' ? progress.validationAuc : null }
      : null,
    result: parseJson<Record<string, unknown> | null>(job.result),
    error: job.status === 'failed' ? job.last_error : null,
    createdAt: iso(job.created_at)!,
    finishedAt: iso(job.finished_at),
  };
}
