import { systemCtx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import type { JobContext } from '../../platform/jobs/job-queue.ts';
import { checkTrainable } from './engine/train-risk-model.ts';
import { prepareTraining } from './emarge/emarge-dataset.ts';
import { loadEmargeLearners } from './emarge/emarge-learners.ts';
import { parseRiskModelArtifact, type RiskModelArtifact } from './engine/artifact.ts';
import { buildFeatureMatrix, buildFeatureSchema, findRecordedSources, sameSchema } from './features/feature-schema.ts';
import { findLatestReadyModel, getModelVersion, getOrganisationFacts, parseJson } from './model-version.repository.ts';
import type { ModelComparison } from './train-and-evaluate.ts';
import { scoreLearners } from './score-learners.ts';
import { registerTrainingJob, trainInWorker } from './train-in-worker.ts';

export interface TrainJobPayload {
  organisationId: string;
  modelVersionId: string;
  epochs: number;
  seed: number;
}

/**
 * The 'analytics.train' job: loads the organisation's data, trains in a
 * worker thread (train-in-worker.ts; progress {phase, epoch, epochs,
 * etaSeconds} after every epoch), measures on the
 * held-out recent cohorts, stores the version as ready (older ready versions
 * are retired) and scores the current learners with it. Any failure marks the
 * version failed with the reason, then fails the job (no retry: maxAttempts 1).
 */
export async function runTrainingJob(db: Db, clock: Clock, payload: TrainJobPayload, job: JobContext, options: { signal?: AbortSignal } = {}): Promise<Record<string, unknown>> {
  const { organisationId, modelVersionId } = payload;
  const epochs = Math.max(1, Math.min(200, Number(payload.epochs) || 30));
  const ctx = systemCtx(organisationId);
  const progress = (p: { phase: string; epoch?: number; etaSeconds?: number | null } & Record<string, unknown>) =>
    job.progress({ epoch: 0, epochs, etaSeconds: null, done: p.epoch ?? 0, total: epochs, ...p });
  // Cancellable (POST /analytics/jobs/:id/cancel) from the start until the model is trained.
  const cancellable = registerTrainingJob(job.jobId);
  try {
    await progress({ phase: 'loading' });
    const loaded = await withTenant(db, organisationId, async (trx) => {
      const model = await getModelVersion(trx, modelVersionId);
      if (!model) throw new Error(`model version ${modelVersionId} not found`);
      const facts = await getOrganisationFacts(trx, organisationId, clock.now());
      const inService = await findLatestReadyModel(trx);
      return { model, facts, inService: inService && inService.id !== modelVersionId ? inService : null, prepared: prepareTraining(await loadEmargeLearners(trx, { asOf: facts.today }), facts.today) };
    });
    const { prepared, facts, model, inService } = loaded;
    const compare = inService ? comparisonInput(parseRiskModelArtifact(parseJson(inService.artifact)), prepared) : undefined;
    const input = { schema: prepared.schema, train: prepared.train, validation: prepared.validation };
    checkTrainable(input);
    const seconds: number[] = [];
    const dataLabel = facts.analytics.simulatedHistory ? 'demo data (simulation)' : 'organisation data';
    // TensorFlow.js runs in a worker thread: the server keeps answering while the model trains.
    const { artifact, byWeek, validationF1, weeklyBands, reliability, comparison, backend, thread } = await trainInWorker(
      input,
      {
        seed: Number(payload.seed) || 42,
        maxEpochs: epochs,
        patience: 4,
        batchSize: 32,
        target: 'withdrawal (enrolment withdrawn) after the week of prediction, before the end of the program',
        dataWindow: { ...prepared.dataWindow, source: dataLabel },
        compare,
      },
      {
        signal: AbortSignal.any([cancellable.signal, ...(options.signal ? [options.signal] : [])]),
        onStarted: () => progress({ phase: 'training', epoch: 0 }),
        onEpoch: async (e) => {
          seconds.push(e.seconds);
          const mean = seconds.reduce((a, b) => a + b, 0) / seconds.length;
          await progress({ phase: 'training', epoch: e.epoch, etaSeconds: Math.round(mean * (epochs - e.epoch) * 10) / 10, loss: e.loss, validationAuc: e.validationAuc });
        },
        onPhase: (phase, epoch) => progress({ phase, epoch }),
      },
    );
    cancellable.release();
    const v = artifact.metrics.validation;
    const metrics = {
      label: dataLabel,
      split: `time: the ${prepared.split.validationCohorts.length} most recently started finished cohort(s) held out (${prepared.dataWindow.validationLearners} learners); trained on ${prepared.dataWindow.trainLearners} learners of earlier cohorts`,
      unit: 'learner-week (one prediction per learner per week while enrolled)',
      validation: { auc: v.auc, prAuc: v.prAuc, f1AtThreshold: validationF1, n: v.n },
      calibration: { method: artifact.calibration.method, brier: v.brier, ece: v.ece, brierUncalibrated: v.brierUncalibrated, eceUncalibrated: v.eceUncalibrated },
      threshold: artifact.threshold,
      byWeek,
      bands: weeklyBands,
      reliabilityByWeek: reliability,
      comparison: inService ? describeComparison(inService.version, comparison) : null,
      training: { epochsRun: artifact.training.epochsRun, bestEpoch: artifact.training.bestEpoch, secondsPerEpoch: seconds.length ? seconds.reduce((a, b) => a + b, 0) / seconds.length : null, backend, thread, trainSeconds: artifact.training.trainSeconds },
    };
    const deployed = !metrics.comparison || metrics.comparison.decision !== 'kept_current';
    await withTenant(db, organisationId, async (trx) => {
      if (deployed) await trx.updateTable('model_versions').set({ status: 'retired' }).where('status', '=', 'ready').where('id', '!=', modelVersionId).execute();
      await trx
        .updateTable('model_versions')
        .set({ status: deployed ? 'ready' : 'rejected', artifact: JSON.stringify(artifact), metrics: JSON.stringify(metrics), data_window: JSON.stringify(artifact.dataWindow), code_version: artifact.codeVersion, trained_at: clock.now(), error: null })
        .where('id', '=', modelVersionId)
        .execute();
      await recordAuditEvent(trx, ctx, { type: 'analytics.model_trained', subjectType: 'model_version', subjectId: modelVersionId, payload: { modelVersionId, version: model.version, validationAuc: Number.isFinite(v.auc) ? v.auc : null, simulated: facts.analytics.simulatedHistory } });
      if (!deployed) await recordAuditEvent(trx, ctx, { type: 'analytics.model_rejected', subjectType: 'model_version', subjectId: modelVersionId, payload: { modelVersionId, version: model.version, currentVersion: inService!.version, candidateAuc: comparison?.candidate.auc ?? null, currentAuc: comparison?.current.auc ?? null } });
    });
    if (!deployed) {
      await progress({ phase: 'done', epoch: artifact.training.epochsRun, etaSeconds: 0 });
      return { modelVersionId, version: model.version, validationAuc: v.auc, epochsRun: artifact.training.epochsRun, deployed: false, keptVersion: inService!.version, learnersScored: 0, predictions: 0 };
    }
    await progress({ phase: 'scoring', epoch: artifact.training.epochsRun });
    const scored = await scoreLearners(db, ctx, modelVersionId, { clock });
    await progress({ phase: 'done', epoch: artifact.training.epochsRun, etaSeconds: 0 });
    return { modelVersionId, version: model.version, validationAuc: v.auc, epochsRun: artifact.training.epochsRun, deployed: true, learnersScored: scored.learners, predictions: scored.predictions };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await withTenant(db, organisationId, async (trx) => {
      const updated = await trx.updateTable('model_versions').set({ status: 'failed', error: message.slice(0, 2000) }).where('id', '=', modelVersionId).where('status', '=', 'training').returning('version').executeTakeFirst();
      if (updated) await recordAuditEvent(trx, ctx, { type: 'analytics.training_failed', subjectType: 'model_version', subjectId: modelVersionId, payload: { modelVersionId, version: updated.version, error: message.slice(0, 500) } });
    });
    await job.progress({ phase: 'failed', epoch: 0, epochs, etaSeconds: null, error: message.slice(0, 500) });
    throw error;
  } finally {
    cancellable.release();
  }
}

/** AUC the candidate may lose against the model in service, on the same recent learners, and still replace it. */
export const REPLACE_TOLERANCE = 0.01;
/** Learner-weeks (with both outcomes) needed for the comparison to decide. */
const MIN_COMPARISON = 20;

/**
 * The model in service on the candidate's held-out (most recent) learners,
 * leaving out those it was trained on; undefined when its features no longer
 * match the data (it cannot be run on them: the candidate replaces it).
 */
function comparisonInput(current: RiskModelArtifact, prepared: ReturnType<typeof prepareTraining>) {
  const learners = prepared.split.validation;
  const schema = buildFeatureSchema(findRecordedSources(learners.map((l) => l.timeline)), current.featureSchema.steps);
  if (!sameSchema(schema, current.featureSchema)) return undefined;
  const window = current.dataWindow as { asOf?: string; validationCohorts?: string[] };
  const heldOut = new Set(window.validationCohorts ?? []);
  // The current model trained on the cohorts that had ended by its training day, except its own held-out ones.
  const include = Uint8Array.from(learners, (l) => (window.asOf && l.cohortEnd < window.asOf && !heldOut.has(l.cohortId) ? 0 : 1));
  return { artifact: current, schema, x: buildFeatureMatrix(learners.map((l) => l.timeline), schema), include };
}

function describeComparison(currentVersion: number, c: ModelComparison | undefined) {
  if (!c) return { currentVersion, decision: 'replaced' as const, why: 'current_does_not_fit' as const, n: 0, positives: 0, candidate: null, current: null };
  if (c.n < MIN_COMPARISON || c.candidate.auc === null || c.current.auc === null) return { currentVersion, decision: 'replaced' as const, why: 'too_little_recent_data' as const, ...c };
  const better = c.candidate.auc >= c.current.auc - REPLACE_TOLERANCE;
  return { currentVersion, decision: better ? ('replaced' as const) : ('kept_current' as const), why: better ? ('candidate_as_good' as const) : ('candidate_worse' as const), tolerance: REPLACE_TOLERANCE, ...c };
}
