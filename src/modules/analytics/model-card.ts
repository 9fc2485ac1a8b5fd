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
import { listMonitoring } from './monitor-predictions.ts';
import { bandAtWeek, type WeeklyBands } from './risk-bands.ts';
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
    const labels: number[] = [], probs: number[] = [], groups: string[] = [], flagged: boolean[] = [];
    // "Flagged" as the product flags: high in the model's weekly bands (older models: at the decision threshold).
    const bands = parseJson<{ bands?: WeeklyBands } | null>(model.metrics)?.bands ?? null;
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
        flagged.push(bands ? bandAtWeek(p[k]!, s, bands) === 'high' : p[k]! >= artifact.threshold);
      }
    });
    if (labels.length) report = computeFairness(attribute, labels, probs, groups, artifact.threshold, { minGroupSize: 30, flagged });
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
    /** How "flagged" is counted: high in the model's weekly bands, or (older models) at the decision threshold. */
    flagRule: parseJson<{ bands?: unknown } | null>(model.metrics)?.bands ? ('weekly_bands' as const) : ('threshold' as const),
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
  const metrics = parseJson<Record<string, unknown> & { label?: string; bands?: WeeklyBands; reliabilityByWeek?: unknown[]; comparison?: unknown }>(model.metrics);
  const schema = artifact.featureSchema;
  const notRecorded = (['attendance', 'assessments', 'activity', 'satisfaction'] as const).filter((s) => !schema.sources.includes(s));
  const simulated = metrics?.label === 'demo data (simulation)';
  const words = (list: readonly string[], lang: 'fr' | 'en') => list.map((s) => SOURCE_WORDS[s]?.[lang] ?? s).join(lang === 'fr' ? ', ' : ', ');
  const limits: Array<{ fr: string; en: string }> = [
    {
      en: 'Trained on this organisation\'s past enrolments only; new programmes or changed practices (e.g. how absences are recorded) make it less reliable until it is retrained.',
      fr: 'Entraîné uniquement sur les inscriptions passées de cet organisme ; une nouvelle formation ou un changement de pratique (par exemple la façon de noter les absences) le rend moins fiable jusqu’au prochain entraînement.',
    },
    notRecorded.length
      ? {
          en: `Used: ${words(schema.sources, 'en')}. Not used, because this organisation's past learners have none recorded: ${words(notRecorded, 'en')} — disengagement that shows only there is missed.`,
          fr: `Utilisé : ${words(schema.sources, 'fr')}. Non utilisé, faute de données enregistrées pour les apprenants passés de cet organisme : ${words(notRecorded, 'fr')} — un décrochage qui ne se voit que là échappe au modèle.`,
        }
      : { en: `Used: ${words(schema.sources, 'en')}.`, fr: `Utilisé : ${words(schema.sources, 'fr')}.` },
    {
      en: 'Calibration and the bands are fitted on the same held-out cohorts as the validation figures: with few cohorts, these figures are optimistic and noisy. The figures measured after deployment, below, are the ones to trust.',
      fr: 'Le calibrage et les niveaux sont ajustés sur les mêmes promotions mises de côté que les mesures de validation : avec peu de promotions, ces mesures sont optimistes et bruitées. Les mesures faites après le déploiement, plus bas, sont celles auxquelles se fier.',
    },
    {
      en: 'Withdrawals for outside reasons (a job, a move, health) often give no sign beforehand and cannot be predicted.',
      fr: 'Les abandons pour des raisons extérieures (un emploi, un déménagement, la santé) ne donnent souvent aucun signe avant et ne peuvent pas être prévus.',
    },
    ...(simulated
      ? [{ en: 'These figures are measured on the demo\'s SIMULATED history: they say nothing about accuracy on real learners.', fr: 'Ces mesures portent sur l’historique SIMULÉ de la démonstration : elles ne disent rien de la justesse sur de vrais apprenants.' }]
      : []),
  ];
  const monitoring = await withTenant(db, ctx.actor.organisationId, (trx) => listMonitoring(trx));
  const facts = await withTenant(db, ctx.actor.organisationId, (trx) => getOrganisationFacts(trx, ctx.actor.organisationId, new Date()));
  return {
    modelVersionId: model.id,
    version: model.version,
    status: model.status,
    kind: model.kind,
    trainedAt: iso(model.trained_at),
    codeVersion: model.code_version,
    target: {
      en: 'withdrawal: the enrolment is withdrawn after the week of the estimate, before the end of the programme',
      fr: 'abandon : l’inscription se termine par un abandon après la semaine de l’estimation, avant la fin de la formation',
    },
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
    bands: metrics?.bands
      ? { method: 'base_rate_by_week' as const, threshold: artifact.threshold, pooledBaseRate: metrics.bands.pooledBaseRate, weeks: metrics.bands.weeks }
      : { method: 'threshold' as const, threshold: artifact.threshold, pooledBaseRate: null, weeks: [] },
    dataRule: { minHalfDays: facts.analytics.minHalfDays, minWeeks: facts.analytics.minWeeks },
    reliabilityByWeek: metrics?.reliabilityByWeek ?? [],
    comparison: metrics?.comparison ?? null,
    monitoring,
    intendedUse: {
      en: 'Advisory: to help training staff notice learners who may be drifting away early enough to talk with them. Every estimate is shown with its reasons and reviewed by a person; it must not be used for automated decisions about a learner (selection, sanctions, funding).',
      fr: 'Indicatif : aider l’équipe pédagogique à repérer assez tôt les apprenants qui décrochent peut-être, pour en parler avec eux. Chaque estimation est montrée avec ses raisons et examinée par une personne ; elle ne doit pas servir à des décisions automatisées concernant un apprenant (sélection, sanctions, financement).',
    },
    limits,
    humanOversight: {
      en: 'Staff record what they did about each estimate (contacted, plan agreed, no action, estimate wrong). Where the organisation enables it, learners see their own estimates with the same reasons on their follow-up page, and may object; staff answer every objection.',
      fr: 'L’équipe note ce qu’elle a fait de chaque estimation (contacté, plan convenu, pas d’action, estimation erronée). Là où l’organisme l’active, les apprenants voient leurs propres estimations, avec les mêmes raisons, sur leur page « Mon suivi », et peuvent les contester ; l’équipe répond à chaque contestation.',
    },
    fairness: fairness.length ? fairness : null,
  };
}

/** The data sources in words. */
const SOURCE_WORDS: Record<string, { fr: string; en: string }> = {
  program: { fr: 'la formation (durée, position, inscriptions)', en: 'the programme (length, position, enrolments)' },
  attendance: { fr: 'la présence', en: 'attendance' },
  assessments: { fr: 'les évaluations et quiz', en: 'assessments and quizzes' },
  activity: { fr: 'l’activité en ligne', en: 'online activity' },
  satisfaction: { fr: 'les réponses de satisfaction', en: 'satisfaction answers' },
  engagement: { fr: 'le dernier signe de présence', en: 'the last sign of presence' },
};

export async function getAnalyticsSettings(db: Db, ctx: Ctx, clock: Clock) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const facts = await getOrganisationFacts(trx, ctx.actor.organisationId, clock.now());
    const a = facts.analytics;
    return { retrain: a.retrain, simulatedHistory: a.simulatedHistory, minHalfDays: a.minHalfDays, minWeeks: a.minWeeks, learnerAccess: a.learnerAccess };
  });
}

export async function updateSettings(db: Db, ctx: Ctx, clock: Clock, patch: Pick<AnalyticsSettings, 'retrain' | 'minHalfDays' | 'minWeeks' | 'learnerAccess'>) {
  assertAdmin(ctx.actor);
  const changes = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as AnalyticsSettings;
  await withTenant(db, ctx.actor.organisationId, async (trx) => {
    await updateAnalyticsSettings(trx, ctx.actor.organisationId, changes);
    await recordAuditEvent(trx, ctx, { type: 'analytics.settings_updated', subjectType: 'organisation', subjectId: ctx.actor.organisationId, payload: { retrain: patch.retrain ?? 'off', ...changes } });
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
