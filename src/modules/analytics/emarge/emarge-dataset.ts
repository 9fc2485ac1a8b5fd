/**
 * Emarge learners to sequence datasets (same rules as the OULAD benchmark):
 * at the cut-off of step k (day 7k) a learner counts only if enrolled by then,
 * not yet withdrawn and the program not ended; the label is 1 when the
 * learner withdraws after that cut-off. Validation holds out the most recent
 * cohorts (a split by time, never a random draw of learners across periods).
 */
import { AppError } from '../../../platform/errors/app-error.ts';
import type { SequenceDataset } from '../engine/sequence-dataset.ts';
import { MIN_TRAINING_LEARNERS, MIN_VALIDATION_LEARNERS } from '../engine/sequence-dataset.ts';
import { buildFeatureMatrix, buildFeatureSchema, findRecordedSources, type FeatureSchema } from '../features/feature-schema.ts';
import { cutoffDayOfStep } from '../features/weekly-features.ts';
import type { EmargeLearner } from './emarge-learners.ts';

export const MAX_STEPS = 53;

export function isCounted(l: EmargeLearner, step: number): boolean {
  const cutoff = cutoffDayOfStep(step);
  if (l.timeline.enrolledDay > cutoff) return false;
  if (l.outcome?.withdrawnDay != null && l.outcome.withdrawnDay <= cutoff) return false;
  return cutoff < l.timeline.programDays;
}

export function buildEmargeDataset(learners: readonly EmargeLearner[], schema: FeatureSchema): SequenceDataset {
  const steps = schema.steps;
  const y = new Float32Array(learners.length * steps);
  const mask = new Float32Array(learners.length * steps);
  learners.forEach((l, i) => {
    if (!l.outcome) return;
    for (let s = 0; s < steps; s++) {
      if (!isCounted(l, s)) continue;
      mask[i * steps + s] = 1;
      y[i * steps + s] = l.outcome.withdrawnDay !== null ? 1 : 0;
    }
  });
  return { n: learners.length, steps, features: schema.features.length, x: buildFeatureMatrix(learners.map((l) => l.timeline), schema), y, mask };
}

/** Steps covering the longest program seen (one per week, plus step 0 before the start). */
export function chooseSteps(learners: readonly EmargeLearner[]): number {
  const weeks = Math.max(1, ...learners.map((l) => Math.ceil(l.timeline.programDays / 7)));
  return Math.min(MAX_STEPS, weeks + 1);
}

export interface TimeSplit {
  train: EmargeLearner[];
  validation: EmargeLearner[];
  validationCohorts: string[];
}

/** Holds out the most recently started cohorts until `share` of the learners (keeping one cohort at least for training). */
export function splitByTime(labelled: readonly EmargeLearner[], share = 0.25): TimeSplit {
  const cohorts = new Map<string, { start: string; learners: EmargeLearner[] }>();
  for (const l of labelled) {
    const c = cohorts.get(l.cohortId) ?? { start: l.cohortStart, learners: [] };
    c.learners.push(l);
    cohorts.set(l.cohortId, c);
  }
  const order = [...cohorts.entries()].sort((a, b) => b[1].start.localeCompare(a[1].start) || a[0].localeCompare(b[0]));
  const held = new Set<string>();
  let count = 0;
  for (const [id, c] of order) {
    if (count >= share * labelled.length || held.size === cohorts.size - 1) break;
    held.add(id);
    count += c.learners.length;
  }
  return { train: labelled.filter((l) => !held.has(l.cohortId)), validation: labelled.filter((l) => held.has(l.cohortId)), validationCohorts: [...held] };
}

export interface PreparedTraining {
  schema: FeatureSchema;
  split: TimeSplit;
  train: SequenceDataset;
  validation: SequenceDataset;
  dataWindow: { from: string; to: string; learners: number; weeks: number; cohorts: number; trainLearners: number; validationLearners: number; validationCohorts: string[]; withdrawn: number; completed: number; asOf: string };
}

/** Labelled learners (completed or withdrawn) to training and validation datasets, refusing too little data with the minimum. */
export function prepareTraining(learners: readonly EmargeLearner[], asOf: string): PreparedTraining {
  // Only cohorts that have ended: in a cohort still running, the withdrawn are known but the completers not yet.
  const labelled = learners.filter((l) => l.outcome !== null && l.cohortEnd < asOf);
  const minimum = MIN_TRAINING_LEARNERS + MIN_VALIDATION_LEARNERS;
  const cohortCount = new Set(labelled.map((l) => l.cohortId)).size;
  if (labelled.length < minimum || cohortCount < 2) {
    throw new AppError(
      'ml_insufficient_data',
      `Training needs at least ${minimum} learners of finished cohorts whose outcome is known (completed or withdrawn), in 2 cohorts at least (the most recent ones validate the model); this organisation has ${labelled.length} in ${cohortCount} cohort(s).`,
      { extra: { minimum, got: labelled.length, cohorts: cohortCount } },
    );
  }
  const withdrawn = labelled.filter((l) => l.outcome!.withdrawnDay !== null).length;
  if (withdrawn === 0 || withdrawn === labelled.length) {
    throw new AppError('ml_single_class', `Every finished enrolment has the same outcome (${withdrawn === 0 ? 'nobody withdrew' : 'everybody withdrew'}): a model cannot learn to tell them apart.`);
  }
  const schema = buildFeatureSchema(findRecordedSources(labelled.map((l) => l.timeline)), chooseSteps(labelled));
  const split = splitByTime(labelled);
  const starts = labelled.map((l) => l.cohortStart).sort();
  const ends = labelled.map((l) => l.cohortEnd).sort();
  return {
    schema,
    split,
    train: buildEmargeDataset(split.train, schema),
    validation: buildEmargeDataset(split.validation, schema),
    dataWindow: {
      from: starts[0]!, to: ends[ends.length - 1]!, learners: labelled.length, weeks: schema.steps - 1, cohorts: cohortCount,
      trainLearners: split.train.length, validationLearners: split.validation.length, validationCohorts: split.validationCohorts,
      withdrawn, completed: labelled.length - withdrawn, asOf,
    },
  };
}
