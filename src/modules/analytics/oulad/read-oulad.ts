/**
 * Reads a folder in the OULAD file layout (Kuzilek et al. 2017, CC BY 4.0)
 * and turns each registration into a LearnerTimeline (the neutral input of
 * the feature pipeline), its withdrawal outcome, and its demographic
 * attributes kept apart for fairness audits.
 *
 * Mapping to Emarge's concepts:
 * - a module presentation is a program run (a cohort); its length is `programDays`;
 * - CMA (computer-marked) assessments are quizzes, TMA assignments, Exam exams;
 *   a CMA score is known on submission, a TMA score is assumed known
 *   TMA_GRADING_DAYS later (OULAD does not say when marks were returned);
 *   an assessment's weight (share of the final grade, 0..100) is its weight
 *   column (Emarge: a quiz's points over the cohort's quiz points);
 * - clicks in studentVle are online activity, summed per day; the file is
 *   partial, so presentations without any click row have activity `null`
 *   ("not recorded"), never an empty list;
 * - attendance and satisfaction do not exist in OULAD: `null`;
 * - num_of_prev_attempts is `priorAttempts`; studied_credits / 60 is the
 *   concurrent load (60 credits is one full-time-half-year module);
 * - withdrawal is `date_unregistration` (the day it became known).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { AppError } from '../../../platform/errors/app-error.ts';
import type { ActivityEvent, AssessmentEvent, AssessmentKind, LearnerTimeline, WithdrawalOutcome } from '../features/learner-timeline.ts';

export const TMA_GRADING_DAYS = 14;

/** Demographic attributes: for fairness audits only, never model inputs. */
export interface AuditAttributes {
  gender: string;
  age_band: string;
  disability: string;
  imd_band: string;
  region: string;
  highest_education: string;
}

export interface OuladLearner {
  timeline: LearnerTimeline;
  outcome: WithdrawalOutcome;
  audit: AuditAttributes;
  /** Module presentation, e.g. "BBB-2013J": the program run. */
  group: string;
  presentation: string;
}

export interface OuladDataset {
  learners: OuladLearner[];
  presentations: string[];
  /** Module presentations with click data. */
  withActivity: string[];
  /** Registrations left out, with why. */
  excluded: { reason: string; count: number }[];
}

type Row = Record<string, string>;

function readCsv(dir: string, file: string, required: string[], optional = false): Row[] | null {
  let full = path.join(dir, file);
  let gz = false;
  if (!existsSync(full) && existsSync(`${full}.gz`)) {
    full = `${full}.gz`;
    gz = true;
  } else if (file.endsWith('.gz')) gz = true;
  if (!existsSync(full)) {
    if (optional) return null;
    throw new AppError('bad_request', `OULAD folder ${dir}: missing file ${file}`);
  }
  const text = gz ? gunzipSync(readFileSync(full)).toString('utf8') : readFileSync(full, 'utf8');
  const rows = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Row[];
  const header = rows.length ? Object.keys(rows[0]!) : (text.split('\n')[0] ?? '').split(',');
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length) throw new AppError('bad_request', `OULAD file ${full}: missing column(s) ${missing.join(', ')}`);
  return rows;
}

const num = (v: string | undefined): number | null => {
  if (v === undefined || v === '' || v === '?') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

/** Orders presentations in time: 2013B (February) < 2013J (October) < 2014B. */
export function presentationOrder(code: string): number {
  const year = Number(code.slice(0, 4));
  const month = code[4] === 'B' ? 2 : code[4] === 'J' ? 10 : 6;
  return year * 12 + month;
}

export function readOuladDataset(dir: string): OuladDataset {
  if (!existsSync(dir)) throw new AppError('bad_request', `OULAD folder not found: ${dir}`);
  const courses = readCsv(dir, 'courses.csv', ['code_module', 'code_presentation', 'module_presentation_length'])!;
  const assessments = readCsv(dir, 'assessments.csv', ['code_module', 'code_presentation', 'id_assessment', 'assessment_type', 'date'])!;
  const info = readCsv(dir, 'studentInfo.csv', ['code_module', 'code_presentation', 'id_student', 'gender', 'region', 'highest_education', 'imd_band', 'age_band', 'num_of_prev_attempts', 'studied_credits', 'disability', 'final_result'])!;
  const registrations = readCsv(dir, 'studentRegistration.csv', ['code_module', 'code_presentation', 'id_student', 'date_registration', 'date_unregistration'])!;
  const submissions = readCsv(dir, 'studentAssessment.csv', ['id_assessment', 'id_student', 'date_submitted', 'score'])!;
  const clicks = readCsv(dir, 'studentVle.csv.gz', ['code_module', 'code_presentation', 'id_student', 'date', 'sum_click'], true);

  const lengthOf = new Map(courses.map((c) => [`${c.code_module}-${c.code_presentation}`, Number(c.module_presentation_length)]));
  const assessmentsOf = new Map<string, { id: string; kind: AssessmentKind; due: number | null; weight: number | null }[]>();
  const assessmentGroup = new Map<string, string>();
  for (const a of assessments) {
    const group = `${a.code_module}-${a.code_presentation}`;
    const kind: AssessmentKind = a.assessment_type === 'CMA' ? 'quiz' : a.assessment_type === 'Exam' ? 'exam' : 'assignment';
    const list = assessmentsOf.get(group) ?? [];
    list.push({ id: a.id_assessment!, kind, due: num(a.date), weight: num(a.weight) });
    assessmentsOf.set(group, list);
    assessmentGroup.set(a.id_assessment!, group);
  }
  const submissionOf = new Map<string, { submitted: number | null; score: number | null }>();
  for (const s of submissions) submissionOf.set(`${s.id_assessment}:${s.id_student}`, { submitted: num(s.date_submitted), score: num(s.score) });

  const activityOf = new Map<string, Map<number, number>>();
  const withActivity = new Set<string>();
  for (const c of clicks ?? []) {
    const group = `${c.code_module}-${c.code_presentation}`;
    withActivity.add(group);
    const key = `${group}:${c.id_student}`;
    const day = Number(c.date);
    let perDay = activityOf.get(key);
    if (!perDay) activityOf.set(key, (perDay = new Map()));
    perDay.set(day, (perDay.get(day) ?? 0) + Number(c.sum_click));
  }

  const registrationOf = new Map(registrations.map((r) => [`${r.code_module}-${r.code_presentation}:${r.id_student}`, r]));
  const excluded = new Map<string, number>();
  const exclude = (reason: string): void => void excluded.set(reason, (excluded.get(reason) ?? 0) + 1);
  const learners: OuladLearner[] = [];
  const presentations = new Set<string>();

  for (const s of info) {
    const group = `${s.code_module}-${s.code_presentation}`;
    const key = `${group}:${s.id_student}`;
    const reg = registrationOf.get(key);
    const programDays = lengthOf.get(group);
    if (!programDays) { exclude('module presentation missing from courses.csv'); continue; }
    if (!reg) { exclude('no registration row'); continue; }
    const enrolledDay = num(reg.date_registration);
    if (enrolledDay === null) { exclude('registration date missing'); continue; }
    const unregistered = num(reg.date_unregistration);
    if (s.final_result === 'Withdrawn' && unregistered === null) { exclude('withdrawn without a withdrawal date'); continue; }

    const events: AssessmentEvent[] = (assessmentsOf.get(group) ?? []).map((a) => {
      const sub = submissionOf.get(`${a.id}:${s.id_student}`);
      const submittedDay = sub ? sub.submitted : null;
      const gradedDay = submittedDay === null ? null : a.kind === 'assignment' ? submittedDay + TMA_GRADING_DAYS : submittedDay;
      return { kind: a.kind, dueDay: a.due, submittedDay, score: sub ? sub.score : null, gradedDay, weight: a.weight };
    });
    const perDay = activityOf.get(key);
    const activity: ActivityEvent[] | null = withActivity.has(group) ? [...(perDay ?? new Map()).entries()].map(([day, count]) => ({ day, count })) : null;
    const prior = num(s.num_of_prev_attempts);
    const credits = num(s.studied_credits);

    presentations.add(s.code_presentation!);
    learners.push({
      group,
      presentation: s.code_presentation!,
      timeline: {
        learnerId: `${group}:${s.id_student}`,
        programDays,
        enrolledDay,
        priorAttempts: prior,
        concurrentLoad: credits === null ? null : credits / 60,
        attendance: null,
        assessments: events,
        activity,
        satisfaction: null,
      },
      outcome: { withdrawnDay: unregistered },
      audit: {
        gender: s.gender!, age_band: s.age_band!, disability: s.disability!, imd_band: s.imd_band || 'unknown', region: s.region!, highest_education: s.highest_education!,
      },
    });
  }
  return {
    learners,
    presentations: [...presentations].sort((a, b) => presentationOrder(a) - presentationOrder(b)),
    withActivity: [...withActivity].sort(),
    excluded: [...excluded].map(([reason, count]) => ({ reason, count })),
  };
}
