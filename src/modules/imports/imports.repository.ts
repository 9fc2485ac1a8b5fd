import { sql } from 'kysely';
import type { Tx } from '../../platform/db/tenant.ts';
import type { HalfDay } from '../catalogue/catalogue.table.ts';

/** SQL of the CSV imports only. Every function runs inside the caller's withTenant transaction. */

const CHUNK = 500;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function getCohort(trx: Tx, cohortId: string) {
  return trx.selectFrom('cohorts').select(['id', 'program_id', 'name', 'archived_at']).where('id', '=', cohortId).executeTakeFirst();
}

/** Cohorts whose id is `idOrName`, or whose name matches it case-insensitively (CLI convenience). */
export function findCohortsByIdOrName(trx: Tx, idOrName: string) {
  let q = trx.selectFrom('cohorts').select(['id', 'name', 'program_id']);
  q = UUID.test(idOrName)
    ? q.where('id', '=', idOrName)
    : q.where(sql<string>`lower(name)`, '=', idOrName.trim().toLowerCase());
  return q.orderBy('created_at').execute();
}

export async function getOrganisationTimezone(trx: Tx, organisationId: string): Promise<string> {
  const row = await trx.selectFrom('organisations').select('timezone').where('id', '=', organisationId).executeTakeFirstOrThrow();
  return row.timezone;
}

export async function findPeopleByEmails(trx: Tx, emails: readonly string[]) {
  const out: Array<{ id: string; email: string; given_name: string; family_name: string; archived_at: Date | null }> = [];
  for (const part of chunks(emails)) {
    if (!part.length) continue;
    out.push(...(await trx.selectFrom('people').select(['id', 'email', 'given_name', 'family_name', 'archived_at']).where('email', 'in', part).execute()));
  }
  return out;
}

export interface PersonValues {
  email: string;
  givenName: string;
  familyName: string;
  phone: string | null;
  externalRef: string | null;
}

export async function insertPeople(trx: Tx, organisationId: string, people: readonly PersonValues[]): Promise<Array<{ id: string; email: string }>> {
  const out: Array<{ id: string; email: string }> = [];
  for (const part of chunks(people)) {
    if (!part.length) continue;
    out.push(
      ...(await trx
        .insertInto('people')
        .values(part.map((p) => ({ organisation_id: organisationId, email: p.email, given_name: p.givenName, family_name: p.familyName, phone: p.phone, external_ref: p.externalRef })))
        .returning(['id', 'email'])
        .execute()),
    );
  }
  return out;
}

/** Updates names, and phone / external reference where the file gives one (an empty cell keeps the stored value). */
export async function updatePeople(trx: Tx, people: ReadonlyArray<PersonValues & { id: string }>, now: Date): Promise<void> {
  for (const part of chunks(people)) {
    if (!part.length) continue;
    const values = sql.join(part.map((p) => sql`(${p.id}::uuid, ${p.givenName}, ${p.familyName}, ${p.phone}::text, ${p.externalRef}::text)`));
    await sql`
      UPDATE people AS p SET
        given_name = v.given_name,
        family_name = v.family_name,
        phone = coalesce(v.phone, p.phone),
        external_ref = coalesce(v.external_ref, p.external_ref),
        updated_at = ${now}
      FROM (VALUES ${values}) AS v (id, given_name, family_name, phone, external_ref)
      WHERE p.id = v.id
    `.execute(trx);
  }
}

export async function addLearnerRole(trx: Tx, organisationId: string, personIds: readonly string[]): Promise<void> {
  for (const part of chunks(personIds)) {
    if (!part.length) continue;
    await trx
      .insertInto('person_roles')
      .values(part.map((person_id) => ({ organisation_id: organisationId, person_id, role: 'learner' as const })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}

/** Enrols the people not yet enrolled in the cohort; returns how many were newly enrolled. */
export async function enrolPeople(trx: Tx, organisationId: string, cohortId: string, personIds: readonly string[], now: Date): Promise<number> {
  let n = 0;
  for (const part of chunks(personIds)) {
    if (!part.length) continue;
    const rows = await trx
      .insertInto('enrolments')
      .values(part.map((person_id) => ({ organisation_id: organisationId, cohort_id: cohortId, person_id, enrolled_at: now })))
      .onConflict((oc) => oc.columns(['organisation_id', 'cohort_id', 'person_id']).doNothing())
      .returning('id')
      .execute();
    n += rows.length;
  }
  return n;
}

export function findProgramModules(trx: Tx, programId: string) {
  return trx.selectFrom('modules').select(['id', 'title']).where('program_id', '=', programId).orderBy('position').orderBy('title').execute();
}

/** Non-archived people with the trainer role, by email. */
export async function findTrainersByEmails(trx: Tx, emails: readonly string[]) {
  const out: Array<{ id: string; email: string }> = [];
  for (const part of chunks(emails)) {
    if (!part.length) continue;
    out.push(
      ...(await trx
        .selectFrom('people as p')
        .innerJoin('person_roles as r', (j) => j.onRef('r.organisation_id', '=', 'p.organisation_id').onRef('r.person_id', '=', 'p.id'))
        .select(['p.id', 'p.email'])
        .where('r.role', '=', 'trainer')
        .where('p.archived_at', 'is', null)
        .where('p.email', 'in', part)
        .execute()),
    );
  }
  return out;
}

export async function findCohortSessionsOnDates(trx: Tx, cohortId: string, dates: readonly string[]) {
  const out: Array<{ date: string; half_day: HalfDay; starts_at: Date; ends_at: Date; status: 'planned' | 'cancelled' }> = [];
  for (const part of chunks(dates)) {
    if (!part.length) continue;
    out.push(
      ...(await trx
        .selectFrom('sessions')
        .select(['date', 'half_day', 'starts_at', 'ends_at', 'status'])
        .where('cohort_id', '=', cohortId)
        .where('date', 'in', part)
        .execute()),
    );
  }
  return out;
}

export interface SessionValues {
  cohortId: string;
  moduleId: string | null;
  date: string;
  halfDay: HalfDay;
  startsAt: Date;
  endsAt: Date;
  location: string | null;
  remoteUrl: string | null;
  capacity: number | null;
  trainerIds: string[];
}

export async function insertSessions(trx: Tx, organisationId: string, sessions: readonly SessionValues[]): Promise<number> {
  let n = 0;
  for (const part of chunks(sessions)) {
    if (!part.length) continue;
    const rows = await trx
      .insertInto('sessions')
      .values(
        part.map((s) => ({
          organisation_id: organisationId,
          cohort_id: s.cohortId,
          module_id: s.moduleId,
          date: s.date,
          half_day: s.halfDay,
          starts_at: s.startsAt,
          ends_at: s.endsAt,
          location: s.location,
          remote_url: s.remoteUrl,
          capacity: s.capacity,
        })),
      )
      .returning(['id', 'date', 'half_day'])
      .execute();
    // (cohort, date, half-day) is unique: match the returned ids without relying on RETURNING's order.
    const idOf = new Map(rows.map((r) => [`${r.date}|${r.half_day}`, r.id]));
    const links = part.flatMap((s) => s.trainerIds.map((person_id) => ({ organisation_id: organisationId, session_id: idOf.get(`${s.date}|${s.halfDay}`)!, person_id })));
    for (const linkPart of chunks(links)) if (linkPart.length) await trx.insertInto('session_trainers').values(linkPart).execute();
    n += rows.length;
  }
  return n;
}
