/**
 * From OULAD learners to sequence datasets: features through the shared
 * weekly pipeline, and per step the withdrawal label and its mask.
 *
 * At the cut-off of step k (day 7k) a learner counts only if enrolled by then,
 * not yet withdrawn (withdrawal on or before the cut-off: excluded, the
 * question is settled) and the program has not ended. The label is 1 when the
 * learner withdraws after the cut-off.
 */
import { buildFeatureMatrix, type FeatureSchema } from '../features/feature-schema.ts';
import { cutoffDayOfStep } from '../features/weekly-features.ts';
import type { SequenceDataset } from '../engine/sequence-dataset.ts';
import { createRandom } from '../engine/random.ts';
import { presentationOrder, type OuladLearner } from './read-oulad.ts';

export type StepStatus = 'counted' | 'not_enrolled' | 'already_withdrawn' | 'program_ended';

export function stepStatus(l: OuladLearner, step: number): StepStatus {
  const cutoff = cutoffDayOfStep(step);
  if (l.timeline.enrolledDay > cutoff) return 'not_enrolled';
  if (l.outcome.withdrawnDay !== null && l.outcome.withdrawnDay <= cutoff) return 'already_withdrawn';
  if (cutoff >= l.timeline.programDays) return 'program_ended';
  return 'counted';
}

export function buildSequenceDataset(learners: readonly OuladLearner[], schema: FeatureSchema): SequenceDataset {
  const steps = schema.steps;
  const y = new Float32Array(learners.length * steps);
  const mask = new Float32Array(learners.length * steps);
  learners.forEach((l, i) => {
    for (let s = 0; s < steps; s++) {
      if (stepStatus(l, s) !== 'counted') continue;
      mask[i * steps + s] = 1;
      y[i * steps + s] = l.outcome.withdrawnDay !== null ? 1 : 0;
    }
  });
  return { n: learners.length, steps, features: schema.features.length, x: buildFeatureMatrix(learners.map((l) => l.timeline), schema), y, mask };
}

/**
 * Holds out whole program runs (module presentations) for validation, the
 * most recent first (a seeded draw among runs of the same period), until
 * `share` of the learners: validation is later in time than, or parallel to,
 * training, never a random draw of learners across periods.
 */
export function splitByProgramRun(learners: readonly OuladLearner[], share: number, seed: number): { train: OuladLearner[]; validation: OuladLearner[]; validationRuns: string[] } {
  const runs = new Map<string, OuladLearner[]>();
  for (const l of learners) {
    const list = runs.get(l.group) ?? [];
    list.push(l);
    runs.set(l.group, list);
  }
  const random = createRandom(seed);
  const names = random.shuffle([...runs.keys()].sort()).sort((a, b) => presentationOrder(b.slice(-5)) - presentationOrder(a.slice(-5)));
  const target = share * learners.length;
  const held = new Set<string>();
  let count = 0;
  for (const name of names) {
    if (count >= target || held.size === runs.size - 1) break;
    held.add(name);
    count += runs.get(name)!.length;
  }
  return {
    train: learners.filter((l) => !held.has(l.group)),
    validation: learners.filter((l) => held.has(l.group)),
    validationRuns: [...held].sort(),
  };
}
