/**
 * The second baseline set of bench:risk (issue 13): 23 plain snapshot
 * features per learner and cut-off, as a tabular model would be given them —
 * not our weekly pipeline, so that the plain models are judged on features
 * chosen for them. Computed from the same OULAD timelines and the same
 * "known at the cut-off" rule (events dated before day 7w; a TMA score from
 * its graded day):
 *
 *   previous attempts, credits studied, registration day relative to the
 *   start, presentation length (days), the module (one-hot over the seven
 *   OULAD modules, all zeros for any other); over assessments due by the
 *   cut-off: counts due, submitted, submitted late and missed, the mean known
 *   score, the points banked (Σ score × weight / 100), the share of the weight
 *   due that was scored (Σ score × weight / Σ weight due), days since the last
 *   submission; clicks in total and in the last two weeks, and whether clicks
 *   are recorded at all.
 *
 * Protected attributes are not among them.
 */
import type { OuladLearner } from './read-oulad.ts';
import { cutoffDayOfStep } from '../features/weekly-features.ts';

export const OULAD_MODULES = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF', 'GGG'] as const;

export const SNAPSHOT_FEATURES: readonly string[] = [
  'prev_attempts', 'studied_credits', 'registration_day', 'presentation_days',
  'due', 'submitted', 'submitted_late', 'missed', 'score_mean', 'points_banked', 'weight_due_scored_share',
  'days_since_last_submission', 'clicks_total', 'clicks_last_two_weeks', 'clicks_recorded',
  ...OULAD_MODULES.map((m) => `module_${m}`),
  'weight_due',
];

/** [learners, steps, SNAPSHOT_FEATURES.length] row-major. */
export function buildSnapshotMatrix(learners: readonly OuladLearner[], steps: number): Float32Array {
  const f = SNAPSHOT_FEATURES.length;
  const out = new Float32Array(learners.length * steps * f);
  learners.forEach((l, n) => {
    const t = l.timeline;
    const module = OULAD_MODULES.indexOf(l.group.slice(0, 3) as (typeof OULAD_MODULES)[number]);
    for (let s = 0; s < steps; s++) {
      const cutoff = cutoffDayOfStep(s);
      let due = 0, submitted = 0, late = 0, missed = 0, scoreSum = 0, scoreN = 0, banked = 0, weightDue = 0, lastSub = -Infinity;
      for (const a of t.assessments ?? []) {
        const isSub = a.submittedDay !== null && a.submittedDay < cutoff;
        if (a.dueDay !== null && a.dueDay < cutoff) {
          due++;
          weightDue += a.weight ?? 0;
          if (!isSub) missed++;
        }
        if (isSub) {
          submitted++;
          lastSub = Math.max(lastSub, a.submittedDay!);
          if (a.dueDay !== null && a.submittedDay! > a.dueDay) late++;
          if (a.score !== null && a.gradedDay !== null && a.gradedDay < cutoff) {
            scoreSum += a.score;
            scoreN++;
            banked += (a.score * (a.weight ?? 0)) / 100;
          }
        }
      }
      let clicks = 0, recent = 0;
      for (const e of t.activity ?? []) {
        if (e.day >= cutoff) continue;
        clicks += e.count;
        if (e.day >= cutoff - 14) recent += e.count;
      }
      const row = [
        t.priorAttempts ?? 0, (t.concurrentLoad ?? 0) * 60, t.enrolledDay, t.programDays,
        due, submitted, late, missed, scoreN ? scoreSum / scoreN : 0, banked, weightDue > 0 ? banked / weightDue : 0,
        Number.isFinite(lastSub) ? cutoff - lastSub : cutoff - Math.min(0, t.enrolledDay), clicks, recent, t.activity ? 1 : 0,
        ...OULAD_MODULES.map((_, i) => (i === module ? 1 : 0)),
        weightDue,
      ];
      out.set(row, (n * steps + s) * f);
    }
  });
  return out;
}
