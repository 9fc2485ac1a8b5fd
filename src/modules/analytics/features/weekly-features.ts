/**
 * Weekly feature pipeline: a pure function from a learner's timeline to one
 * feature vector per week, each computed only from what was known at the end
 * of that week (no look-ahead).
 *
 * Step 0 covers everything before the program starts (days < 0); step k >= 1
 * covers days [7(k-1), 7k). "Known at the end of step k" means an event dated
 * before day 7k (a score counts from its graded day, a missed deadline from its
 * due day). Withdrawal dates are never inputs.
 */
import type { LearnerTimeline } from './learner-timeline.ts';

/** Where a feature comes from; a source not recorded for a learner gives 0 values and a 0 `*_recorded` flag. */
export type FeatureSource = 'program' | 'attendance' | 'assessments' | 'activity' | 'satisfaction' | 'engagement';

export interface FeatureDefinition {
  name: string;
  source: FeatureSource;
  /** What it measures, for documentation and the feature schema. */
  description: string;
  /** The value in words, for explanations ("no assessment submitted in the last 3 weeks"). */
  describe(value: number): string;
  /**
   * false: computed by the pipeline (and its OULAD counterpart) but not a
   * model input by default. The grade-weight features are: on the OULAD
   * validation folds they lowered the network's AUC (one fold by 0.075: each
   * module weighs its assessments its own way, so the weights identify the
   * module rather than the learner; BENCHMARKS.md, bench:risk, issue 13).
   */
  modelInput?: false;
}

const plural = (n: number, one: string, many: string = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const round = (v: number): number => Math.round(v);
const pct = (v: number): string => `${Math.round(v * 100)}%`;
const weeks = (v: number): string => plural(Math.max(0, Math.floor(v)), 'week');
const recorded = (what: string) => (v: number): string => (v >= 0.5 ? `${what} recorded` : `${what} not recorded`);

/** Every feature the pipeline can produce, in output order. */
export const FEATURE_DEFINITIONS: readonly FeatureDefinition[] = [
  { name: 'program_weeks', source: 'program', description: 'program length in weeks', describe: (v) => `a program of ${weeks(v)}` },
  { name: 'program_position', source: 'program', description: 'share of the program elapsed (0..1)', describe: (v) => `${pct(Math.min(v, 1))} of the program elapsed` },
  { name: 'enrolled_weeks_before_start', source: 'program', description: 'weeks between enrolment and start (negative: enrolled after the start)', describe: (v) => (v < 0 ? `enrolled ${weeks(-v)} after the start` : `enrolled ${weeks(v)} before the start`) },
  { name: 'enrolment_history_recorded', source: 'program', description: '1 when prior attempts and concurrent load are known', describe: recorded('enrolment history') },
  { name: 'prior_attempts', source: 'program', description: 'previous enrolments in the same program', describe: (v) => `${plural(round(v), 'previous attempt')} at this program` },
  { name: 'concurrent_load', source: 'program', description: 'other programs followed at the same time (1 = one full program)', describe: (v) => `a concurrent load of ${v.toFixed(1)} programs` },

  { name: 'attendance_recorded', source: 'attendance', description: '1 when attendance is recorded for this program', describe: recorded('attendance') },
  { name: 'sessions_so_far', source: 'attendance', description: 'sessions held so far (log1p)', describe: (v) => `${plural(round(Math.expm1(v)), 'session')} so far` },
  { name: 'attendance_rate', source: 'attendance', description: 'share of sessions attended so far', describe: (v) => `attended ${pct(v)} of sessions so far` },
  { name: 'attendance_rate_week', source: 'attendance', description: 'share of this week\'s sessions attended', describe: (v) => `attended ${pct(v)} of this week's sessions` },
  { name: 'late_rate', source: 'attendance', description: 'share of attended sessions arrived late', describe: (v) => `late to ${pct(v)} of attended sessions` },
  { name: 'minutes_late_mean', source: 'attendance', description: 'mean minutes late when late', describe: (v) => `${round(v)} minutes late on average` },
  { name: 'unjustified_absences', source: 'attendance', description: 'unjustified absences so far', describe: (v) => plural(round(v), 'unjustified absence') },
  { name: 'justified_absences', source: 'attendance', description: 'justified absences so far', describe: (v) => plural(round(v), 'justified absence') },
  { name: 'unjustified_absences_week', source: 'attendance', description: 'unjustified absences this week', describe: (v) => `${plural(round(v), 'unjustified absence')} this week` },
  { name: 'absence_streak', source: 'attendance', description: 'consecutive sessions missed up to now', describe: (v) => `absent from the last ${plural(round(v), 'session')} in a row` },

  { name: 'assessments_recorded', source: 'assessments', description: '1 when assessments are recorded for this program', describe: recorded('assessments') },
  { name: 'assessments_due', source: 'assessments', description: 'assessments due so far', describe: (v) => `${plural(round(v), 'assessment')} due so far` },
  { name: 'assessments_submitted', source: 'assessments', description: 'assessments submitted so far', describe: (v) => `${plural(round(v), 'assessment')} submitted so far` },
  { name: 'assessments_missed', source: 'assessments', description: 'assessments past their due day and not submitted', describe: (v) => `${plural(round(v), 'assessment')} not submitted by the due date` },
  { name: 'missed_share', source: 'assessments', description: 'share of due assessments missed', describe: (v) => `${pct(v)} of due assessments missed` },
  { name: 'late_submissions', source: 'assessments', description: 'assessments submitted after their due day', describe: (v) => `${plural(round(v), 'assessment')} submitted late` },
  { name: 'submitted_this_week', source: 'assessments', description: 'assessments submitted this week', describe: (v) => `${plural(round(v), 'assessment')} submitted this week` },
  { name: 'days_early_mean', source: 'assessments', description: 'mean days between submission and due day (negative: late)', describe: (v) => (v < 0 ? `submits ${plural(round(-v), 'day')} late on average` : `submits ${plural(round(v), 'day')} ahead on average`) },
  { name: 'score_known', source: 'assessments', description: '1 when at least one score is known', describe: (v) => (v >= 0.5 ? 'has a known score' : 'no score known yet') },
  { name: 'score_mean', source: 'assessments', description: 'mean known score (0..1)', describe: (v) => `average score ${round(v * 100)}/100` },
  { name: 'score_last', source: 'assessments', description: 'last known score (0..1)', describe: (v) => `last score ${round(v * 100)}/100` },
  { name: 'weeks_without_submission', source: 'assessments', description: 'weeks since the last submission (since the start when none)', describe: (v) => `no assessment submitted in the last ${weeks(v)}` },
  { name: 'never_submitted', source: 'assessments', description: '1 when nothing has been submitted yet', describe: (v) => (v >= 0.5 ? 'no assessment submitted yet' : 'has submitted assessments') },
  { name: 'weight_due', source: 'assessments', modelInput: false, description: 'share of the final grade carried by the assessments due so far (0..1)', describe: (v) => `${pct(v)} of the final grade due so far` },
  { name: 'points_banked', source: 'assessments', modelInput: false, description: 'points banked: Σ score × weight of the scores known so far, over 100 × 100 (0..1)', describe: (v) => `${round(v * 100)} points of the final grade banked` },
  { name: 'weighted_score_share', source: 'assessments', modelInput: false, description: 'share of the weight due so far that was scored (Σ score × weight / Σ weight due, 0..1)', describe: (v) => `${pct(v)} of the grade due so far obtained` },
  { name: 'next_due_in_weeks', source: 'assessments', description: 'weeks until the next known due day (capped at 10)', describe: (v) => (v >= 10 ? 'no assessment due soon' : `next assessment due in ${weeks(v)}`) },

  { name: 'activity_recorded', source: 'activity', description: '1 when online activity is recorded for this program', describe: recorded('online activity') },
  { name: 'activity_week', source: 'activity', description: 'online activity this week (log1p of the count)', describe: (v) => `${round(Math.expm1(v))} online actions this week` },
  { name: 'active_days_week', source: 'activity', description: 'days with online activity this week', describe: (v) => `online on ${plural(round(v), 'day')} this week` },
  { name: 'activity_total', source: 'activity', description: 'online activity so far (log1p of the count)', describe: (v) => `${round(Math.expm1(v))} online actions so far` },
  { name: 'activity_two_weeks', source: 'activity', description: 'online activity in the last two weeks (log1p of the count)', describe: (v) => `${round(Math.expm1(v))} online actions in the last two weeks` },
  { name: 'weeks_without_activity', source: 'activity', description: 'weeks since the last online activity (since the start when none)', describe: (v) => `no online activity in the last ${weeks(v)}` },

  { name: 'satisfaction_recorded', source: 'satisfaction', description: '1 when satisfaction answers are recorded', describe: recorded('satisfaction answers') },
  { name: 'satisfaction_answers', source: 'satisfaction', description: 'satisfaction answers so far', describe: (v) => plural(round(v), 'satisfaction answer') },
  { name: 'satisfaction_mean', source: 'satisfaction', description: 'mean satisfaction so far (0..1)', describe: (v) => `average satisfaction ${pct(v)}` },
  { name: 'satisfaction_last', source: 'satisfaction', description: 'last satisfaction answer (0..1)', describe: (v) => `last satisfaction ${pct(v)}` },

  { name: 'days_since_last_activity', source: 'engagement', description: 'days since any sign of activity (attendance, submission, online), capped at 120', describe: (v) => `no activity of any kind for ${plural(round(v), 'day')}` },
];

export const FEATURE_COUNT = FEATURE_DEFINITIONS.length;
const INDEX = new Map(FEATURE_DEFINITIONS.map((f, i) => [f.name, i]));

/** The step (week) whose end is the cut-off day `7 * step`; step 0 is "before the start". */
export const cutoffDayOfStep = (step: number): number => 7 * step;

const CAP_WEEKS = 40;
const CAP_DAYS = 120;

/**
 * Builds the raw weekly features of one learner: `steps` rows of
 * FEATURE_COUNT values (row-major), row k computed from events known before
 * day 7k. Pure: same timeline, same output.
 */
export function buildWeeklyFeatures(timeline: LearnerTimeline, steps: number): Float32Array {
  const out = new Float32Array(steps * FEATURE_COUNT);
  const set = (row: number, name: string, value: number): void => {
    out[row * FEATURE_COUNT + INDEX.get(name)!] = value;
  };
  const attendance = timeline.attendance ? [...timeline.attendance].sort((a, b) => a.day - b.day) : null;
  const assessments = timeline.assessments ?? null;
  const activity = timeline.activity ? [...timeline.activity].sort((a, b) => a.day - b.day) : null;
  const satisfaction = timeline.satisfaction ? [...timeline.satisfaction].sort((a, b) => a.day - b.day) : null;
  const historyKnown = timeline.priorAttempts !== null && timeline.concurrentLoad !== null;

  for (let k = 0; k < steps; k++) {
    const cutoff = cutoffDayOfStep(k);
    const weekStart = k === 0 ? -Infinity : cutoff - 7;
    const startOfKnowledge = Math.min(0, timeline.enrolledDay);
    let lastSign = -Infinity;

    set(k, 'program_weeks', timeline.programDays / 7);
    set(k, 'program_position', Math.min(1.5, Math.max(0, cutoff / timeline.programDays)));
    set(k, 'enrolled_weeks_before_start', Math.max(-10, Math.min(CAP_WEEKS, -timeline.enrolledDay / 7)));
    set(k, 'enrolment_history_recorded', historyKnown ? 1 : 0);
    set(k, 'prior_attempts', timeline.priorAttempts ?? 0);
    set(k, 'concurrent_load', timeline.concurrentLoad ?? 0);

    if (attendance) {
      set(k, 'attendance_recorded', 1);
      let held = 0, attended = 0, late = 0, minutesLate = 0, unjustified = 0, justified = 0, heldWeek = 0, attendedWeek = 0, unjustifiedWeek = 0, streak = 0;
      for (const e of attendance) {
        if (e.day >= cutoff) break;
        held++;
        const inWeek = e.day >= weekStart;
        if (inWeek) heldWeek++;
        if (e.status === 'present' || e.status === 'late') {
          attended++;
          if (inWeek) attendedWeek++;
          streak = 0;
          lastSign = Math.max(lastSign, e.day);
          if (e.status === 'late') {
            late++;
            minutesLate += e.minutesLate ?? 0;
          }
        } else {
          streak++;
          if (e.status === 'absent_unjustified') {
            unjustified++;
            if (inWeek) unjustifiedWeek++;
          } else justified++;
        }
      }
      set(k, 'sessions_so_far', Math.log1p(held));
      set(k, 'attendance_rate', held ? attended / held : 0);
      set(k, 'attendance_rate_week', heldWeek ? attendedWeek / heldWeek : 0);
      set(k, 'late_rate', attended ? late / attended : 0);
      set(k, 'minutes_late_mean', late ? minutesLate / late : 0);
      set(k, 'unjustified_absences', unjustified);
      set(k, 'justified_absences', justified);
      set(k, 'unjustified_absences_week', unjustifiedWeek);
      set(k, 'absence_streak', streak);
    }

    if (assessments) {
      set(k, 'assessments_recorded', 1);
      let due = 0, submitted = 0, missed = 0, lateSubs = 0, thisWeek = 0, earlySum = 0, earlyCount = 0, scoreSum = 0, scoreCount = 0;
      let lastScoreDay = -Infinity, lastScore = 0, lastSubmitted = -Infinity, nextDue = Infinity, weightDue = 0, banked = 0;
      for (const a of assessments) {
        const isSubmitted = a.submittedDay !== null && a.submittedDay < cutoff;
        if (a.dueDay !== null && a.dueDay < cutoff) {
          due++;
          weightDue += a.weight ?? 0;
          if (!isSubmitted) missed++;
        }
        if (a.dueDay !== null && a.dueDay >= cutoff) nextDue = Math.min(nextDue, a.dueDay);
        if (isSubmitted) {
          const day = a.submittedDay!;
          submitted++;
          lastSubmitted = Math.max(lastSubmitted, day);
          if (day >= weekStart) thisWeek++;
          if (a.dueDay !== null) {
            if (day > a.dueDay) lateSubs++;
            earlySum += Math.max(-60, Math.min(60, a.dueDay - day));
            earlyCount++;
          }
          if (a.score !== null && a.gradedDay !== null && a.gradedDay < cutoff) {
            scoreSum += a.score / 100;
            scoreCount++;
            banked += (a.score * (a.weight ?? 0)) / 100;
            if (a.gradedDay >= lastScoreDay) {
              lastScoreDay = a.gradedDay;
              lastScore = a.score / 100;
            }
          }
        }
      }
      lastSign = Math.max(lastSign, lastSubmitted);
      set(k, 'assessments_due', due);
      set(k, 'assessments_submitted', submitted);
      set(k, 'assessments_missed', missed);
      set(k, 'missed_share', due ? missed / due : 0);
      set(k, 'late_submissions', lateSubs);
      set(k, 'submitted_this_week', thisWeek);
      set(k, 'days_early_mean', earlyCount ? earlySum / earlyCount : 0);
      set(k, 'score_known', scoreCount ? 1 : 0);
      set(k, 'score_mean', scoreCount ? scoreSum / scoreCount : 0);
      set(k, 'score_last', scoreCount ? lastScore : 0);
      const since = submitted ? (cutoff - lastSubmitted) / 7 : Math.max(0, cutoff - startOfKnowledge) / 7;
      set(k, 'weeks_without_submission', Math.min(CAP_WEEKS, since));
      set(k, 'never_submitted', submitted ? 0 : 1);
      set(k, 'weight_due', Math.min(2, weightDue / 100));
      set(k, 'points_banked', Math.min(2, banked / 100));
      set(k, 'weighted_score_share', weightDue > 0 ? Math.min(1, banked / weightDue) : 0);
      set(k, 'next_due_in_weeks', Number.isFinite(nextDue) ? Math.min(10, (nextDue - cutoff) / 7) : 10);
    }

    if (activity) {
      set(k, 'activity_recorded', 1);
      let total = 0, week = 0, twoWeeks = 0, last = -Infinity;
      const daysThisWeek = new Set<number>();
      for (const e of activity) {
        if (e.day >= cutoff) break;
        if (e.count <= 0) continue;
        total += e.count;
        last = e.day;
        if (e.day >= cutoff - 14) twoWeeks += e.count;
        if (e.day >= weekStart) {
          week += e.count;
          daysThisWeek.add(e.day);
        }
      }
      lastSign = Math.max(lastSign, last);
      set(k, 'activity_week', Math.log1p(week));
      set(k, 'active_days_week', Math.min(7, daysThisWeek.size));
      set(k, 'activity_total', Math.log1p(total));
      set(k, 'activity_two_weeks', Math.log1p(twoWeeks));
      const since = Number.isFinite(last) ? (cutoff - last) / 7 : Math.max(0, cutoff - startOfKnowledge) / 7;
      set(k, 'weeks_without_activity', Math.min(CAP_WEEKS, since));
    }

    if (satisfaction) {
      set(k, 'satisfaction_recorded', 1);
      let n = 0, sum = 0, last = 0;
      for (const e of satisfaction) {
        if (e.day >= cutoff) break;
        n++;
        sum += e.score;
        last = e.score;
      }
      set(k, 'satisfaction_answers', n);
      set(k, 'satisfaction_mean', n ? sum / n : 0);
      set(k, 'satisfaction_last', last);
    }

    const since = Number.isFinite(lastSign) ? cutoff - lastSign : Math.max(0, cutoff - startOfKnowledge);
    set(k, 'days_since_last_activity', Math.min(CAP_DAYS, since));
  }
  return out;
}
