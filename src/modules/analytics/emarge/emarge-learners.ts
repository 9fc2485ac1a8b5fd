/**
 * The Emarge adapter of the weekly feature pipeline: from Emarge's own tables
 * (cohorts, enrolments, sessions, attendance_records) to one LearnerTimeline
 * per enrolment, days counted from the cohort's first day.
 *
 * - Attendance: each non-cancelled session held before `asOf` with a learner
 *   record: present / left_early → present, late → late (late_minutes),
 *   absent → unjustified absence, excused → justified absence. A record still
 *   'pending' (sheet not filled in) is not an observation and is skipped.
 * - Program length: the cohort's dates (its sessions when they are missing).
 * - Enrolment history: earlier enrolments in the same program (prior attempts)
 *   and other cohorts of the person overlapping this one (concurrent load).
 * - Quizzes and questionnaires (assessments) and satisfaction answers: see
 *   emarge-questionnaires.ts; null for a cohort that does not use them.
 * - Online activity is not recorded by Emarge: that source is null (its
 *   `*_recorded` flag is 0 and it stays out of the feature schema), never
 *   read as zeros.
 * - The outcome (label) is the enrolment's: withdrawn (status withdrawn,
 *   withdrawn_at) or completed; active enrolments have no outcome yet (scored,
 *   never trained on).
 *
 * Protected attributes (group_attributes) are never read here.
 */
import type { Tx } from '../../../platform/db/tenant.ts';
import type { AttendanceEvent, LearnerTimeline, WithdrawalOutcome } from '../features/learner-timeline.ts';
import { loadQuestionnaireEvents } from './emarge-questionnaires.ts';

export interface EmargeLearner {
  enrolmentId: string;
  personId: string;
  cohortId: string;
  programId: string;
  /** Day 0 of the timeline (local date). */
  cohortStart: string;
  cohortEnd: string;
  status: 'active' | 'completed' | 'withdrawn';
  timeline: LearnerTimeline;
  /** null while the enrolment is active (outcome unknown). */
  outcome: WithdrawalOutcome | null;
}

const DAY = 86_400_000;
export const daysBetween = (from: string, to: string): number => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY);
const dateOf = (d: Date | string): string => new Date(d).toISOString().slice(0, 10);

export interface LoadLearnersOptions {
  /** Attendance known strictly before this local date only. */
  asOf: string;
  /** Limit to these cohorts (scoring); all cohorts otherwise (training). */
  cohortIds?: string[];
  statuses?: Array<EmargeLearner['status']>;
}

export async function loadEmargeLearners(trx: Tx, opts: LoadLearnersOptions): Promise<EmargeLearner[]> {
  const cohortRows = await trx
    .selectFrom('cohorts as c')
    .leftJoin('sessions as s', (j) => j.onRef('s.organisation_id', '=', 'c.organisation_id').onRef('s.cohort_id', '=', 'c.id').on('s.status', '=', 'planned'))
    .select(['c.id', 'c.program_id', 'c.starts_on', 'c.ends_on'])
    .select((eb) => [eb.fn.min('s.date').as('first_session'), eb.fn.max('s.date').as('last_session')])
    .groupBy(['c.id', 'c.program_id', 'c.starts_on', 'c.ends_on'])
    .execute();
  const cohorts = new Map<string, { programId: string; start: string; end: string }>();
  for (const c of cohortRows) {
    const start = c.starts_on ?? (c.first_session as string | null);
    if (!start) continue; // no date and no session: nothing to learn from or score
    const end = c.ends_on ?? (c.last_session as string | null) ?? start;
    cohorts.set(c.id, { programId: c.program_id, start, end: end < start ? start : end });
  }

  const enrolments = await trx.selectFrom('enrolments').select(['id', 'person_id', 'cohort_id', 'status', 'enrolled_at', 'withdrawn_at']).execute();
  const wanted = enrolments.filter((e) => cohorts.has(e.cohort_id) && (!opts.cohortIds || opts.cohortIds.includes(e.cohort_id)) && (!opts.statuses || opts.statuses.includes(e.status)));
  if (!wanted.length) return [];

  let q = trx
    .selectFrom('attendance_records as r')
    .innerJoin('sessions as s', (j) => j.onRef('s.organisation_id', '=', 'r.organisation_id').onRef('s.id', '=', 'r.session_id'))
    .select(['r.person_id', 's.cohort_id', 's.date', 'r.status', 'r.late_minutes'])
    .where('r.role', '=', 'learner')
    .where('s.status', '=', 'planned')
    .where('r.status', '!=', 'pending')
    .where('s.date', '<', opts.asOf);
  if (opts.cohortIds) q = q.where('s.cohort_id', 'in', opts.cohortIds.length ? opts.cohortIds : ['00000000-0000-0000-0000-000000000000']);
  const records = await q.execute();
  const byEnrolment = new Map<string, AttendanceEvent[]>();
  for (const r of records) {
    const key = `${r.cohort_id}/${r.person_id}`;
    const list = byEnrolment.get(key) ?? [];
    const day = daysBetween(cohorts.get(r.cohort_id)?.start ?? r.date, r.date);
    const status = r.status === 'absent' ? 'absent_unjustified' : r.status === 'excused' ? 'absent_justified' : r.status === 'late' ? 'late' : 'present';
    list.push(status === 'late' ? { day, status, minutesLate: r.late_minutes ?? 0 } : { day, status });
    byEnrolment.set(key, list);
  }

  const questionnaires = await loadQuestionnaireEvents(trx, new Map([...cohorts].map(([id, c]) => [id, c.start])), opts.asOf);

  const byPerson = new Map<string, typeof enrolments>();
  for (const e of enrolments) {
    if (!cohorts.has(e.cohort_id)) continue;
    const list = byPerson.get(e.person_id) ?? [];
    list.push(e);
    byPerson.set(e.person_id, list);
  }
  return wanted.map((e) => {
    const cohort = cohorts.get(e.cohort_id)!;
    const attendance = byEnrolment.get(`${e.cohort_id}/${e.person_id}`) ?? [];
    const others = (byPerson.get(e.person_id) ?? []).filter((o) => o.id !== e.id);
    const priorAttempts = others.filter((o) => {
      const c = cohorts.get(o.cohort_id)!;
      return c.programId === cohort.programId && c.start < cohort.start;
    }).length;
    const concurrentLoad = others.filter((o) => {
      const c = cohorts.get(o.cohort_id)!;
      return c.start <= cohort.end && c.end >= cohort.start && o.status !== 'withdrawn';
    }).length;
    let withdrawnDay: number | null = null;
    if (e.status === 'withdrawn') {
      if (e.withdrawn_at) withdrawnDay = daysBetween(cohort.start, dateOf(e.withdrawn_at));
      else {
        const attended = attendance.filter((a) => a.status === 'present' || a.status === 'late').map((a) => a.day);
        withdrawnDay = attended.length ? Math.max(...attended) + 1 : 0;
      }
    }
    const timeline: LearnerTimeline = {
      learnerId: e.person_id,
      programDays: Math.max(7, daysBetween(cohort.start, cohort.end) + 1),
      enrolledDay: Math.min(daysBetween(cohort.start, dateOf(e.enrolled_at)), withdrawnDay ?? Infinity),
      priorAttempts,
      concurrentLoad,
      attendance,
      assessments: questionnaires.recordsAssessments ? (questionnaires.assessments.get(`${e.cohort_id}/${e.person_id}`) ?? []) : null,
      activity: null,
      satisfaction: questionnaires.recordsSatisfaction ? (questionnaires.satisfaction.get(`${e.cohort_id}/${e.person_id}`) ?? []) : null,
    };
    return {
      enrolmentId: e.id,
      personId: e.person_id,
      cohortId: e.cohort_id,
      programId: cohort.programId,
      cohortStart: cohort.start,
      cohortEnd: cohort.end,
      status: e.status,
      timeline,
      outcome: e.status === 'active' ? null : { withdrawnDay },
    };
  });
}
