import { systemCtx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import type { JobContext } from '../../platform/jobs/job-queue.ts';
import type { RiskModelArtifact } from './engine/artifact.ts';
import { collectLabelled, checkTrainable, trainRiskModel } from './engine/train-risk-model.ts';
import { brierScore, prAuc, rocAuc } from './engine/metrics.ts';
import { getModelRuntime } from './engine/model-runtime.ts';
import { loadRiskModel } from './engine/risk-model.ts';
import type { SequenceDataset } from './engine/sequence-dataset.ts';
import { prepareTraining } from './emarge/emarge-dataset.ts';
import { loadEmargeLearners } from './emarge/emarge-learners.ts';
import { getModelVersion, getOrganisationFacts } from './model-version.repository.ts';
import { scoreLearners } from './score-learners.ts';

export interface TrainJobPayload {
  organisationId: string;
  modelVersionId: string;
  epochs: number;
  seed: number;
}

export interface WeekMetrics {
  week: number;
  n: number;
  positives: number;
  auc: number | null;
  prAuc: number | null;
  brier: number;
}

/** Validation metrics per week of prediction (weeks where both outcomes occur get an AUC). */
export function metricsByWeek(d: SequenceDataset, probabilities: Float32Array): WeekMetrics[] {
  const out: WeekMetrics[] = [];
  for (let s = 0; s < d.steps; s++) {
    const labels: number[] = [], p: number[] = [];
    for (let i = 0; i < d.n; i++) {
      const k = i * d.steps + s;
      if (d.mask[k] !== 1) continue;
      labels.push(d.y[k]!);
      p.push(probabilities[k]!);
    }
    if (!labels.length) continue;
    const positives = labels.filter((y) => y === 1).length;
    const both = positives > 0 && positives < labels.length;
    const r = (v: number) => Math.round(v * 1e4) / 1e4;
    out.push({ week: s, n: labels.length, positives, auc: both ? r(rocAuc(labels, p)) : null, prAuc: both ? r(prAuc(labels, p)) : null, brier: r(brierScore(labels, p)) });
  }
  return out;
}

/**
 * The 'analytics.train' job: loads the organisation's data, trains (progress
 * {phase, epoch, epochs, etaSeconds} after every epoch), measures on the
 * held-out recent cohorts, stores the version as ready (older ready versions
 * are retired) and scores the current learners with it. Any failure marks the
 * version failed with the reason, then fails the job (no retry: maxAttempts 1).
 */
export async function runTrainingJob(db: Db, clock: Clock, payload: TrainJobPayload, job: JobContext): Promise<Record<string, unknown>> {
  const { organisationId, modelVersionId } = payload;
  const epochs = Math.max(1, Math.min(200, Number(payload.epochs) || 30));
  const ctx = systemCtx(organisationId);
  const progress = (p: { phase: string; epoch?: number; etaSeconds?: number | null } & Record<string, unknown>) =>
    job.progress({ epoch: 0, epochs, etaSeconds: null, done: p.epoch ?? 0, total: epochs, ...p });
  try {
    await progress({ phase: 'loading' });
    const loaded = await withTenant(db, organisationId, async (trx) => {
      const model = await getModelVersion(trx, modelVersionId);
      if (!model) throw new Error(`model version ${modelVersionId} not found`);
      const facts = await getOrganisationFacts(trx, organisationId, clock.now());
      return { model, facts, prepared: prepareTraining(await loadEmargeLearners(trx, { asOf: facts.today }), facts.today) };
    });
    const { prepared, facts, model } = loaded;
    const input = { schema: prepared.schema, train: prepared.train, validation: prepared.validation };
    checkTrainable(input);
    const runtime = await getModelRuntime();
    const seconds: number[] = [];
    const dataLabel = facts.analytics.simulatedHistory ? 'demo data (simulation)' : 'organisation data';
    const artifact: RiskModelArtifact = await trainRiskModel(runtime, input, {
      seed: Number(payload.seed) || 42,
      maxEpochs: epochs,
      patience: 4,
      batchSize: 32,
      target: 'withdrawal (enrolment withdrawn) after the week of prediction, before the end of the program',
      dataWindow: { ...prepared.dataWindow, source: dataLabel },
      onEpoch: async (e) => {
        seconds.push(e.seconds);
        const mean = seconds.reduce((a, b) => a + b, 0) / seconds.length;
        await progress({ phase: 'training', epoch: e.epoch, etaSeconds: Math.round(mean * (epochs - e.epoch) * 10) / 10, loss: e.loss, validationAuc: e.validationAuc });
      },
    });
    await progress({ phase: 'evaluating', epoch: artifact.training.epochsRun });
    const risk = loadRiskModel(runtime, artifact);
    let byWeek: WeekMetrics[];
    let validationF1: number | null = null;
    try {
      const p = risk.predictRisk(prepared.validation.x, prepared.validation.n, prepared.schema);
      byWeek = metricsByWeek(prepared.validation, p);
      const pooled = collectLabelled(prepared.validation, p);
      let tp = 0, fp = 0, fn = 0;
      pooled.labels.forEach((y, i) => {
        const flagged = pooled.logits[i]! >= artifact.threshold;
        if (flagged && y === 1) tp++;
        else if (flagged) fp++;
        else if (y === 1) fn++;
      });
      validationF1 = tp ? (2 * tp) / (2 * tp + fp + fn) : 0;
    } finally {
      risk.dispose();
    }
    const v = artifact.metrics.validation;
    const metrics = {
      label: dataLabel,
      split: `time: the ${prepared.split.validationCohorts.length} most recently started finished cohort(s) held out (${prepared.dataWindow.validationLearners} learners); trained on ${prepared.dataWindow.trainLearners} learners of earlier cohorts`,
      unit: 'learner-week (one prediction per learner per week while enrolled)',
      validation: { auc: v.auc, prAuc: v.prAuc, f1AtThreshold: validationF1, n: v.n },
      calibration: { method: artifact.calibration.method, brier: v.brier, ece: v.ece, brierUncalibrated: v.brierUncalibrated, eceUncalibrated: v.eceUncalibrated },
      threshold: artifact.threshold,
      byWeek,
      training: { epochsRun: artifact.training.epochsRun, bestEpoch: artifact.training.bestEpoch, secondsPerEpoch: seconds.length ? seconds.reduce((a, b) => a + b, 0) / seconds.length : null, backend: runtime.backend, trainSeconds: artifact.training.trainSeconds },
    };
    await withTenant(db, organisationId, async (trx) => {
      await trx.updateTable('model_versions').set({ status: 'retired' }).where('status', '=', 'ready').where('id', '!=', modelVersionId).execute();
      await trx
        .updateTable('model_versions')
        .set({ status: 'ready', artifact: JSON.stringify(artifact), metrics: JSON.stringify(metrics), data_window: JSON.stringify(artifact.dataWindow), code_version: artifact.codeVersion, trained_at: clock.now(), error: null })
        .where('id', '=', modelVersionId)
        .execute();
      await recordAuditEvent(trx, ctx, { type: 'analytics.model_trained', subjectType: 'model_version', subjectId: modelVersionId, payload: { modelVersionId, version: model.version, validationAuc: Number.isFinite(v.auc) ? v.auc : null, simulated: facts.analytics.simulatedHistory } });
    });
    await progress({ phase: 'scoring', epoch: artifact.training.epochsRun });
    const scored = await scoreLearners(db, ctx, modelVersionId, { clock });
    await progress({ phase: 'done', epoch: artifact.training.epochsRun, etaSeconds: 0 });
    return { modelVersionId, version: model.version, validationAuc: v.auc, epochsRun: artifact.training.epochsRun, learnersScored: scored.learners, predictions: scored.predictions };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await withTenant(db, organisationId, async (trx) => {
      const updated = await trx.updateTable('model_versions').set({ status: 'failed', error: message.slice(0, 2000) }).where('id', '=', modelVersionId).where('status', '=', 'training').returning('version').executeTakeFirst();
      if (updated) await recordAuditEvent(trx, ctx, { type: 'analytics.training_failed', subjectType: 'model_version', subjectId: modelVersionId, payload: { modelVersionId, version: updated.version, error: message.slice(0, 500) } });
    });
    await job.progress({ phase: 'failed', epoch: 0, epochs, etaSeconds: null, error: message.slice(0, 500) });
    throw error;
  }
}
