import { sql } from 'kysely';
import type { Tx } from '../../platform/db/tenant.ts';
import { createRandom, type Random } from '../analytics/engine/random.ts';
import { frenchHolidayName } from '../catalogue/french-holidays.ts';
import { addDaysToDate, isoWeekday, sessionBounds } from '../catalogue/session-time.ts';

/**
 * Past cohorts for the demo organisation, so that a risk model can be trained
 * out of the box. Their attendance and outcomes come from a SIMULATION; they
 * are demo data, and any metric computed on them says so ("demo data
 * (simulation)"): they never stand for the model's accuracy on real learners.
 *
 * What is simulated (seeded PRNG: same `now`, same history, on every machine):
 * - One program, "Assistant(e) comptable" (12 weeks, Monday to Thursday
 *   mornings, French public holidays skipped): 8 finished cohorts starting
 *   every 8 weeks over the past ~18 months, and 2 cohorts in progress (started
 *   9 and 5 weeks before `now`), 15 learners each (150 learners).
 * - Every learner draws a base absence probability (2–8 % per half-day, 60 %
 *   of absences justified) and a base lateness probability (3–12 %, 5–20
 *   minutes late).
 * - About 28 % are "drifting": from an onset week (1–8), their absence
 *   probability rises by 12 points a week (capped at 90 %, 80 % of these
 *   absences unjustified), their lateness by 8 points a week (10–45 minutes),
 *   and an absence makes the next one more likely (60 % at least: streaks).
 *   Each week after the onset they withdraw with probability 15 % + 10 % per
 *   week of drift, once they have missed two sessions in a row; a third of
 *   drifters recover after three weeks instead (back to their base rates) and
 *   complete the program.
 * - About 3 % of the others withdraw at a random week for outside reasons
 *   (a job, a move) with no sign beforehand: noise that no model can predict.
 * - Withdrawn learners have no attendance record after their withdrawal;
 *   everyone else in a finished cohort is 'completed'. In cohorts in progress,
 *   records stop at `now` and the remaining learners are 'active'.
 * - Present and late learners signed by QR code at the session's start (plus
 *   their lateness); absences are trainer marks, excused ones carry a reason.
 *
 * Each learner has their own seeded random stream, and the learners of the
 * cohorts in progress are simulated to the end of their programme: only what
 * happened before `now` is written, and `advanceDemoHistory` writes the rest
 * as time passes (attendance of the weeks gone by, withdrawals, completion at
 * the cohort's end) — the same future on every machine, so that predictions
 * made during a simulated month meet the outcomes they predicted.
 *
 * The attendance records have no signature image, sheet or evidence chain:
 * they exist for analytics only (the demo's current cohorts, seeded by
 * seedDemo, are the ones to sign live).
 */
export interface DemoHistoryOptions {
  organisationId: string;
  now: Date;
  /** Monday of the week of `now` (local date). */
  monday: string;
  timezone: string;
  domain: string;
  /** Trainer of the cohorts in progress (sees them in the risk list), then of the finished ones. */
  trainerIds: string[];
  seed?: number;
}

export interface DemoHistoryResult {
  programId: string;
  cohorts: number;
  learners: number;
  sessions: number;
  attendanceRecords: number;
  withdrawn: number;
}

const PROGRAM_WEEKS = 12;
const COHORT_SIZE = 15;
const FINISHED_COHORTS = 8;
/** Weeks before `monday` at which the cohorts start: 8 finished (every 8 weeks), 2 in progress. */
const START_WEEKS_AGO = [78, 70, 62, 54, 46, 38, 30, 22, 9, 5];

const GIVEN = ['Amandine', 'Bastien', 'Céline', 'Damien', 'Élodie', 'Fabien', 'Gaëlle', 'Hervé', 'Isabelle', 'Jérôme', 'Karine', 'Laurent', 'Mélanie', 'Nicolas', 'Océane', 'Pascal', 'Quentin', 'Rachida', 'Sébastien', 'Tiphaine', 'Ulysse', 'Valérie', 'William', 'Xavier', 'Yasmine'];
const FAMILY = ['Aubert', 'Barbier', 'Carpentier', 'Dumont', 'Étienne', 'Fleury', 'Gauthier', 'Hamel', 'Jacob', 'Klein', 'Lemaire', 'Marchand', 'Noël', 'Olivier', 'Perrin', 'Renaud', 'Schmitt', 'Tessier', 'Vidal', 'Weber', 'Brun', 'Collet', 'Guerin', 'Hubert', 'Julien', 'Lacroix', 'Masson', 'Nicolas', 'Poirier', 'Rolland'];

const slug = (s: string): string => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-');

type SimStatus = 'present' | 'late' | 'absent' | 'excused';

interface SimLearner {
  records: Array<{ session: number; status: SimStatus; lateMinutes: number | null }>;
  /** Index of the first session after the withdrawal, or null. */
  withdrawnAfter: number | null;
}

/** Simulates one learner over `sessionWeeks` (the week index of each session), up to `heldCount` sessions held. */
export function simulateLearner(random: Random, sessionWeeks: number[], heldCount: number): SimLearner {
  const baseAbsence = 0.02 + random.next() * 0.06;
  const baseLate = 0.03 + random.next() * 0.09;
  const drifting = random.next() < 0.28;
  const onset = 1 + Math.floor(random.next() * 8);
  const recovers = random.next() < 1 / 3;
  const outsideWithdrawalWeek = !drifting && random.next() < 0.03 ? 1 + Math.floor(random.next() * (PROGRAM_WEEKS - 2)) : null;
  const records: SimLearner['records'] = [];
  let previousAbsent = false;
  let streak = 0;
  let week = -1;
  for (let i = 0; i < heldCount; i++) {
    const w = sessionWeeks[i]!;
    if (w !== week) {
      // Weekly decision to leave, taken before the week's first session.
      week = w;
      if (outsideWithdrawalWeek !== null && w >= outsideWithdrawalWeek) return { records, withdrawnAfter: i };
      const drift = drifting && w >= onset && !(recovers && w >= onset + 3) ? w - onset + 1 : 0;
      if (drift > 0 && !recovers && streak >= 2 && random.next() < 0.15 + 0.1 * drift) return { records, withdrawnAfter: i };
    }
    const drift = drifting && w >= onset && !(recovers && w >= onset + 3) ? w - onset + 1 : 0;
    let pAbsent = Math.min(0.9, baseAbsence + 0.12 * drift);
    if (previousAbsent && drift > 0) pAbsent = Math.max(pAbsent, 0.6);
    const pLate = Math.min(0.7, baseLate + 0.08 * drift);
    const u = random.next();
    if (u < pAbsent) {
      const justified = random.next() < (drift > 0 ? 0.2 : 0.6);
      records.push({ session: i, status: justified ? 'excused' : 'absent', lateMinutes: null });
      previousAbsent = true;
      streak++;
    } else if (random.next() < pLate) {
      const minutes = drift > 0 ? 10 + Math.floor(random.next() * 36) : 5 + Math.floor(random.next() * 16);
      records.push({ session: i, status: 'late', lateMinutes: minutes });
      previousAbsent = false;
      streak = 0;
    } else {
      records.push({ session: i, status: 'present', lateMinutes: null });
      previousAbsent = false;
      streak = 0;
    }
  }
  return { records, withdrawnAfter: null };
}

async function insertInChunks<T>(rows: T[], size: number, insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

/** Seeds the simulated history in the caller's (tenant) transaction, with batch inserts. */
export async function seedDemoHistory(trx: Tx, opts: DemoHistoryOptions): Promise<DemoHistoryResult> {
  const seed = opts.seed ?? 20260302;
  const org = opts.organisationId;
  const program = await trx
    .insertInto('programs')
    .values({ organisation_id: org, code: 'ACOMPTA', title: 'Assistant(e) comptable', objectives: 'Titre professionnel de niveau 4 : assurer les travaux courants de comptabilité et préparer la paie.', planned_hours: 168 })
    .returning('id')
    .executeTakeFirstOrThrow();

  const people: Array<{ organisation_id: string; email: string; given_name: string; family_name: string }> = [];
  for (let i = 0; i < START_WEEKS_AGO.length * COHORT_SIZE; i++) {
    const given = GIVEN[i % GIVEN.length]!;
    const family = FAMILY[(i * 11 + Math.floor(i / GIVEN.length)) % FAMILY.length]!;
    people.push({ organisation_id: org, email: `${slug(given)}.${slug(family)}.${i + 1}@${opts.domain}`, given_name: given, family_name: family });
  }
  const personIds = (await trx.insertInto('people').values(people).returning('id').execute()).map((r) => r.id);
  await trx.insertInto('person_roles').values(personIds.map((id) => ({ organisation_id: org, person_id: id, role: 'learner' as const }))).execute();

  const today = opts.monday; // records stop before the current week
  let sessionsCount = 0, recordsCount = 0, withdrawnCount = 0;
  const records: Array<Record<string, unknown>> = [];
  for (let c = 0; c < START_WEEKS_AGO.length; c++) {
    const start = addDaysToDate(opts.monday, -7 * START_WEEKS_AGO[c]!);
    const end = addDaysToDate(start, 7 * PROGRAM_WEEKS - 4); // Thursday of the last week
    const finished = c < FINISHED_COHORTS;
    const month = new Date(`${start}T12:00:00Z`).toLocaleDateString('fr-FR', { month: 'long', year: 'numeric', timeZone: 'UTC' });
    const cohort = await trx
      .insertInto('cohorts')
      .values({ organisation_id: org, program_id: program.id, name: `Comptabilité — ${month}`, starts_on: start, ends_on: end })
      .returning('id')
      .executeTakeFirstOrThrow();
    const trainer = opts.trainerIds[finished ? c % opts.trainerIds.length : 0];
    if (trainer) await trx.insertInto('cohort_trainers').values({ organisation_id: org, cohort_id: cohort.id, person_id: trainer }).execute();

    const dates: string[] = [];
    for (let d = 0; d < 7 * PROGRAM_WEEKS; d++) {
      const date = addDaysToDate(start, d);
      if (isoWeekday(date) <= 4 && !frenchHolidayName(date)) dates.push(date);
    }
    const sessionRows = dates.map((date) => {
      const b = sessionBounds(date, '09:00', '12:30', opts.timezone);
      return { organisation_id: org, cohort_id: cohort.id, date, half_day: b.halfDay, starts_at: b.startsAt, ends_at: b.endsAt, location: 'Salle Grace Hopper' };
    });
    const sessions = await trx.insertInto('sessions').values(sessionRows).returning(['id', 'date', 'starts_at']).execute();
    sessions.sort((a, b) => String(a.date).localeCompare(String(b.date)));
    sessionsCount += sessions.length;
    const sessionWeeks = dates.map((date) => Math.floor((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / (7 * 86_400_000)));
    const heldCount = finished ? dates.length : dates.filter((d) => d < today).length;

    const learners = personIds.slice(c * COHORT_SIZE, (c + 1) * COHORT_SIZE);
    const enrolments = learners.map((personId, j) => {
      const full = simulateLearner(createRandom(learnerSeed(seed, c * COHORT_SIZE + j)), sessionWeeks, dates.length);
      const sim = { records: full.records.filter((r) => r.session < heldCount), withdrawnAfter: full.withdrawnAfter !== null && full.withdrawnAfter < heldCount ? full.withdrawnAfter : finished ? full.withdrawnAfter : null };
      for (const r of sim.records) {
        const s = sessions[r.session]!;
        const startsAt = new Date(s.starts_at).getTime();
        const signed = r.status === 'present' || r.status === 'late';
        records.push({
          organisation_id: org, session_id: s.id, person_id: personId, role: 'learner', status: r.status,
          late_minutes: r.lateMinutes, signed_at: signed ? new Date(startsAt + ((r.lateMinutes ?? 0) + 2) * 60_000) : null,
          method: signed ? 'qr' : 'trainer_mark', marked_by: signed ? null : (trainer ?? null),
          reason: r.status === 'excused' ? 'Justificatif accepté' : null,
        });
      }
      recordsCount += sim.records.length;
      const enrolledAt = new Date(`${addDaysToDate(start, -14)}T08:00:00Z`);
      if (sim.withdrawnAfter !== null) {
        withdrawnCount++;
        const lastDate = sim.withdrawnAfter > 0 ? dates[sim.withdrawnAfter - 1]! : addDaysToDate(start, -1);
        return { organisation_id: org, cohort_id: cohort.id, person_id: personId, status: 'withdrawn' as const, enrolled_at: enrolledAt, withdrawn_at: new Date(`${addDaysToDate(lastDate, 1)}T16:00:00Z`) };
      }
      return { organisation_id: org, cohort_id: cohort.id, person_id: personId, status: finished ? ('completed' as const) : ('active' as const), enrolled_at: enrolledAt, withdrawn_at: null };
    });
    await trx.insertInto('enrolments').values(enrolments).execute();
  }
  await insertInChunks(records, 2000, (chunk) => trx.insertInto('attendance_records').values(chunk as never).execute());
  // Mark the organisation's history as simulated (metrics say "demo data") and retrain weekly.
  // Learners see their own estimates (Mon suivi), with what helps and whom to talk to.
  await sql`UPDATE organisations SET settings = jsonb_set(settings, '{analytics}', ${JSON.stringify({ simulatedHistory: true, retrain: 'weekly', learnerAccess: true })}::jsonb) WHERE id = ${org}`.execute(trx);
  return { programId: program.id, cohorts: START_WEEKS_AGO.length, learners: personIds.length, sessions: sessionsCount, attendanceRecords: recordsCount, withdrawn: withdrawnCount };
}

/**
 * One random stream per simulated learner (their index in the history), so that a learner's future can be replayed;
 * the index is mixed by the golden-ratio multiplier (as in splitmix) so that neighbouring learners' streams share nothing.
 */
const learnerSeed = (seed: number, index: number): number => (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;

/**
 * Moves the simulated history forward to `today` (local date): for each
 * history cohort in progress, writes the attendance of the sessions held since
 * (the same simulation, replayed), the withdrawals that happened, and marks
 * the remaining learners completed once the cohort has ended. Idempotent;
 * nothing else of the organisation is touched. Returns what it wrote.
 */
export async function advanceDemoHistory(trx: Tx, opts: { organisationId: string; today: string; seed?: number }): Promise<{ records: number; withdrawn: number; completed: number }> {
  const seed = opts.seed ?? 20260302;
  const program = await trx.selectFrom('programs').select('id').where('code', '=', 'ACOMPTA').executeTakeFirst();
  if (!program) return { records: 0, withdrawn: 0, completed: 0 };
  const cohorts = await trx.selectFrom('cohorts').select(['id', 'starts_on', 'ends_on']).where('program_id', '=', program.id).orderBy('starts_on').orderBy('id').execute();
  let records = 0, withdrawn = 0, completed = 0;
  for (let c = 0; c < cohorts.length; c++) {
    const cohort = cohorts[c]!;
    const start = String(cohort.starts_on);
    const active = await trx.selectFrom('enrolments as e').innerJoin('people as p', (j) => j.onRef('p.organisation_id', '=', 'e.organisation_id').onRef('p.id', '=', 'e.person_id')).select(['e.id', 'e.person_id', 'p.email']).where('e.cohort_id', '=', cohort.id).where('e.status', '=', 'active').execute();
    if (!active.length) continue;
    const sessions = await trx.selectFrom('sessions').select(['id', 'date', 'starts_at']).where('cohort_id', '=', cohort.id).orderBy('date').execute();
    const dates = sessions.map((x) => String(x.date));
    const sessionWeeks = dates.map((date) => Math.floor((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / (7 * 86_400_000)));
    const held = dates.filter((d) => d < opts.today).length;
    const trainer = await trx.selectFrom('cohort_trainers').select('person_id').where('cohort_id', '=', cohort.id).executeTakeFirst();
    const existing = new Set((await trx.selectFrom('attendance_records').select(['session_id', 'person_id']).where('session_id', 'in', sessions.map((x) => x.id)).execute()).map((r) => `${r.session_id}/${r.person_id}`));
    const rows: Array<Record<string, unknown>> = [];
    for (const e of active) {
      const index = Number(/\.(\d+)@/.exec(e.email)?.[1] ?? 0) - 1;
      if (index < 0) continue;
      const sim = simulateLearner(createRandom(learnerSeed(seed, index)), sessionWeeks, dates.length);
      for (const r of sim.records) {
        if (r.session >= held) break;
        const s = sessions[r.session]!;
        if (existing.has(`${s.id}/${e.person_id}`)) continue;
        const signed = r.status === 'present' || r.status === 'late';
        rows.push({
          organisation_id: opts.organisationId, session_id: s.id, person_id: e.person_id, role: 'learner', status: r.status,
          late_minutes: r.lateMinutes, signed_at: signed ? new Date(new Date(s.starts_at).getTime() + ((r.lateMinutes ?? 0) + 2) * 60_000) : null,
          method: signed ? 'qr' : 'trainer_mark', marked_by: signed ? null : (trainer?.person_id ?? null), reason: r.status === 'excused' ? 'Justificatif accepté' : null,
        });
      }
      if (sim.withdrawnAfter !== null && sim.withdrawnAfter < held) {
        const lastDate = sim.withdrawnAfter > 0 ? dates[sim.withdrawnAfter - 1]! : addDaysToDate(start, -1);
        await trx.updateTable('enrolments').set({ status: 'withdrawn', withdrawn_at: new Date(`${addDaysToDate(lastDate, 1)}T16:00:00Z`) }).where('id', '=', e.id).execute();
        withdrawn++;
      } else if (String(cohort.ends_on) < opts.today) {
        await trx.updateTable('enrolments').set({ status: 'completed' }).where('id', '=', e.id).execute();
        completed++;
      }
    }
    await insertInChunks(rows, 2000, (chunk) => trx.insertInto('attendance_records').values(chunk as never).execute());
    records += rows.length;
  }
  return { records, withdrawn, completed };
}
