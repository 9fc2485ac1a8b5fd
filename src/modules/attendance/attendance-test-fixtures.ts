import type { Db } from '../../platform/db/database.ts';
import { makeOrganisationWithStaff, makePerson, sessionHeaders } from '../../../test/factories.ts';
import { sessionBounds } from '../catalogue/session-time.ts';

/**
 * Test data for attendance (tests only): an organisation with staff, a program,
 * a cohort trained by the factory trainer with `learners` enrolled learners
 * (the factory learner first), and a morning session on Monday 2 March 2026,
 * 09:00–12:30 Europe/Paris (08:00–11:30 UTC). Written straight to the database.
 */
export async function makeAttendanceFixture(db: Db, opts: { learners?: number; date?: string; startTime?: string; endTime?: string; programSettings?: Record<string, unknown> } = {}) {
  const org = await makeOrganisationWithStaff(db);
  const organisationId = org.organisation.id;
  const program = await db
    .insertInto('programs')
    .values({ organisation_id: organisationId, title: 'Programme Sécurité', attendance_settings: JSON.stringify(opts.programSettings ?? {}) as never })
    .returningAll()
    .executeTakeFirstOrThrow();
  const cohort = await db.insertInto('cohorts').values({ organisation_id: organisationId, program_id: program.id, name: 'Cohorte Mars' }).returningAll().executeTakeFirstOrThrow();
  await db.insertInto('cohort_trainers').values({ organisation_id: organisationId, cohort_id: cohort.id, person_id: org.trainer.id }).execute();
  const learners = [org.learner];
  for (let i = 1; i < (opts.learners ?? 3); i++) learners.push(await makePerson(db, organisationId, ['learner'], { givenName: `Learner${i}`, familyName: `Number ${i}` }));
  await db.insertInto('enrolments').values(learners.map((l) => ({ organisation_id: organisationId, cohort_id: cohort.id, person_id: l.id }))).execute();
  const session = await makeSession(db, organisationId, cohort.id, [org.trainer.id], opts.date ?? '2026-03-02', opts.startTime ?? '09:00', opts.endTime ?? '12:30');
  // Another trainer of the same organisation who trains nothing here.
  const otherTrainer = await makePerson(db, organisationId, ['trainer']);
  return { ...org, program, cohort, learners, session, otherTrainer, otherTrainerHeaders: await sessionHeaders(db, organisationId, otherTrainer.id) };
}

export async function makeSession(db: Db, organisationId: string, cohortId: string, trainerIds: string[], date: string, startTime: string, endTime: string) {
  const bounds = sessionBounds(date, startTime, endTime, 'Europe/Paris');
  const session = await db
    .insertInto('sessions')
    .values({ organisation_id: organisationId, cohort_id: cohortId, date, half_day: bounds.halfDay, starts_at: bounds.startsAt, ends_at: bounds.endsAt })
    .returningAll()
    .executeTakeFirstOrThrow();
  if (trainerIds.length) await db.insertInto('session_trainers').values(trainerIds.map((person_id) => ({ organisation_id: organisationId, session_id: session.id, person_id }))).execute();
  return session;
}

/** A valid signature: one stroke across the canvas. */
export function sampleStrokes(seed = 0) {
  const points = Array.from({ length: 20 }, (_, i) => ({ x: 20 + i * 15, y: 60 + Math.round(20 * Math.sin(i / 3 + seed)), t: i * 16 }));
  return { width: 400, height: 150, strokes: [{ points }] };
}
