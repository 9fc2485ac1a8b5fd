/**
 * The neutral input of the weekly feature pipeline: what happened to one
 * learner in one program, as lists of dated events. Days are counted from the
 * program's first day (day 0); negative days are before the start.
 *
 * Emarge's own tables (attendance sheets, questionnaires) and the OULAD
 * adapter both produce this shape, so the same pipeline and the same model
 * serve both. A source the organisation does not record for this program is
 * `null` (not an empty list): the pipeline then says "not recorded" through an
 * explicit flag instead of reading silence as absence.
 *
 * No protected attribute (gender, age, disability, region, deprivation,
 * education) belongs here: they are kept apart, for fairness audits only.
 */

export type AttendanceStatus = 'present' | 'late' | 'absent_justified' | 'absent_unjustified';

/** One half-day session the learner was expected at. */
export interface AttendanceEvent {
  day: number;
  status: AttendanceStatus;
  /** Minutes late, when `status` is 'late'. */
  minutesLate?: number;
}

/** 'questionnaire': a form the learner is asked to answer by a date (satisfaction, feedback), never scored. */
export type AssessmentKind = 'quiz' | 'assignment' | 'exam' | 'questionnaire';

/** One assessment the learner was expected to take (submitted or not). */
export interface AssessmentEvent {
  kind: AssessmentKind;
  /** Due day; null when the schedule does not say (never counted as missed). */
  dueDay: number | null;
  /** Day submitted; null when not submitted. */
  submittedDay: number | null;
  /** Score 0..100; null when none. */
  score: number | null;
  /** Day the score became known to the organisation (>= submittedDay). */
  gradedDay: number | null;
  /**
   * Share of the final grade this assessment carries, 0..100 (OULAD's weight;
   * in Emarge a quiz's points over all the cohort's quiz points); null when
   * unknown (the weighted features then treat it as 0).
   */
  weight?: number | null;
}

/** Online activity on one day (clicks, page views, connections). */
export interface ActivityEvent {
  day: number;
  count: number;
}

/** One satisfaction answer, normalised to 0 (worst) .. 1 (best). */
export interface SatisfactionEvent {
  day: number;
  score: number;
}

export interface LearnerTimeline {
  learnerId: string;
  /** Length of the program in days. */
  programDays: number;
  /** Day the learner enrolled (may be negative: before the start). */
  enrolledDay: number;
  /** Times the learner was enrolled in this program before (re-enrolment). */
  priorAttempts: number | null;
  /** Concurrent load: other programs followed at the same time, in program units (1 = one full program). */
  concurrentLoad: number | null;
  attendance: AttendanceEvent[] | null;
  assessments: AssessmentEvent[] | null;
  activity: ActivityEvent[] | null;
  satisfaction: SatisfactionEvent[] | null;
}

/** What the model learns to predict, kept apart from the timeline (never an input). */
export interface WithdrawalOutcome {
  /** Day the learner withdrew; null when they did not. */
  withdrawnDay: number | null;
}
