import { makeOrganisationWithStaff, makePerson, sessionHeaders } from '../../../test/factories.ts';
import type { Db } from '../../platform/db/database.ts';
import { sessionBounds } from '../catalogue/session-time.ts';

/**
 * Test data for the notification modules (tests only): an organisation with
 * staff, a program and a cohort (the factory trainer trains it; the factory
 * learner and `extraLearners` more are enrolled), and sessions at the given
 * local dates and times in Europe/Paris. Written straight to the database.
 */
export async function makeNotifyFixture(db: Db, opts: { extraLearners?: number; sessions?: Array<{ date: string; start: string; end: string }> } = {}) {
  const org = await makeOrganisationWithStaff(db);
  const organisationId = org.organisation.id;
  const program = await db.insertInto('programs').values({ organisation_id: organisationId, title: 'Programme Sécurité' }).returningAll().executeTakeFirstOrThrow();
  const module = await db.insertInto('modules').values({ organisation_id: organisationId, program_id: program.id, title: 'Gestes de premiers secours' }).returningAll().executeTakeFirstOrThrow();
  const cohort = await db.insertInto('cohorts').values({ organisation_id: organisationId, program_id: program.id, name: 'Cohorte Mars' }).returningAll().executeTakeFirstOrThrow();
  await db.insertInto('cohort_trainers').values({ organisation_id: organisationId, cohort_id: cohort.id, person_id: org.trainer.id }).execute();
  const learners = [org.learner];
  for (let i = 1; i <= (opts.extraLearners ?? 1); i++) learners.push(await makePerson(db, organisationId, ['learner'], { givenName: `Learner${i}`, familyName: `Number ${i}` }));
  await db.insertInto('enrolments').values(learners.map((l) => ({ organisation_id: organisationId, cohort_id: cohort.id, person_id: l.id }))).execute();
  const sessions = [];
  for (const s of opts.sessions ?? [{ date: '2026-03-02', start: '09:00', end: '12:30' }]) {
    const b = sessionBounds(s.date, s.start, s.end, 'Europe/Paris');
    const row = await db
      .insertInto('sessions')
      .values({ organisation_id: organisationId, cohort_id: cohort.id, module_id: module.id, date: s.date, half_day: b.halfDay, starts_at: b.startsAt, ends_at: b.endsAt, location: 'Salle 2' })
      .returningAll()
      .executeTakeFirstOrThrow();
    await db.insertInto('session_trainers').values({ organisation_id: organisationId, session_id: row.id, person_id: org.trainer.id }).execute();
    sessions.push(row);
  }
  const learnerHeaders = [org.as.learner];
  for (const l of learners.slice(1)) learnerHeaders.push(await sessionHeaders(db, organisationId, l.id));
  return { ...org, program, module, cohort, learners, learnerHeaders, sessions };
}

/** A multipart/form-data body: text fields and at most one file. */
export function multipartBody(fields: Array<[string, string]>, file?: { field?: string; name: string; type: string; data: Buffer }) {
  const boundary = `----emarge${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of fields) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  if (file) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`), file.data, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
