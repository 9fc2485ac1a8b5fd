import { type Selectable, sql } from 'kysely';
import type { Tx } from '../../platform/db/tenant.ts';
import type { HalfDay, SessionsTable } from './catalogue.table.ts';

export type SessionRow = Selectable<SessionsTable> & { cohort_name: string; program_title: string; module_title: string | null; trainer_ids: string[] };

function selectSessions(trx: Tx) {
  return trx
    .selectFrom('sessions')
    .innerJoin('cohorts as c', (j) => j.onRef('c.organisation_id', '=', 'sessions.organisation_id').onRef('c.id', '=', 'sessions.cohort_id'))
    .innerJoin('programs as p', (j) => j.onRef('p.organisation_id', '=', 'c.organisation_id').onRef('p.id', '=', 'c.program_id'))
    .leftJoin('modules as m', (j) => j.onRef('m.organisation_id', '=', 'sessions.organisation_id').onRef('m.id', '=', 'sessions.module_id'))
    .selectAll('sessions')
    .select(['c.name as cohort_name', 'p.title as program_title', 'm.title as module_title'])
    .select(
      sql<string[]>`coalesce(array(select st.person_id from session_trainers st where st.organisation_id = sessions.organisation_id and st.session_id = sessions.id order by st.person_id), '{}')`.as('trainer_ids'),
    );
}

export function getSessionById(trx: Tx, id: string): Promise<SessionRow | undefined> {
  return selectSessions(trx).where('sessions.id', '=', id).executeTakeFirst();
}

/** Sessions on local dates [from, to], by start then id, after the keyset; `limit + 1` rows. */
export function findSessions(
  trx: Tx,
  opts: { from: string; to: string; limit: number; after: readonly [string, string] | null; cohortId?: string; trainerId?: string; cohortIds?: string[] },
): Promise<SessionRow[]> {
  if (opts.cohortIds && opts.cohortIds.length === 0) return Promise.resolve([]);
  let q = selectSessions(trx).where('sessions.date', '>=', opts.from).where('sessions.date', '<=', opts.to);
  if (opts.cohortId) q = q.where('sessions.cohort_id', '=', opts.cohortId);
  if (opts.cohortIds) q = q.where('sessions.cohort_id', 'in', opts.cohortIds);
  if (opts.trainerId) {
    const trainerId = opts.trainerId;
    q = q.where((eb) => eb.exists(eb.selectFrom('session_trainers as st').select('st.person_id').whereRef('st.session_id', '=', 'sessions.id').where('st.person_id', '=', trainerId)));
  }
  if (opts.after) {
    const startsAt = new Date(opts.after[0]);
    const id = opts.after[1];
    q = q.where((eb) => eb.or([eb('sessions.starts_at', '>', startsAt), eb.and([eb('sessions.starts_at', '=', startsAt), eb('sessions.id', '>', id)])]));
  }
  return q.orderBy('sessions.starts_at').orderBy('sessions.id').limit(opts.limit + 1).execute();
}

/** The (date, half-day) pairs a cohort already has between two dates, as 'YYYY-MM-DD/am' keys. */
export async function findCohortHalfDays(trx: Tx, cohortId: string, fromDate: string, toDate: string): Promise<Set<string>> {
  const rows = await trx
    .selectFrom('sessions')
    .select(['date', 'half_day'])
    .where('cohort_id', '=', cohortId)
    .where('date', '>=', fromDate)
    .where('date', '<=', toDate)
    .execute();
  return new Set(rows.map((r) => halfDayKey(r.date, r.half_day)));
}

export function halfDayKey(date: string, halfDay: HalfDay): string {
  return `${date}/${halfDay}`;
}

export async function findSessionAt(trx: Tx, cohortId: string, date: string, halfDay: HalfDay, exceptId?: string): Promise<{ id: string } | undefined> {
  let q = trx.selectFrom('sessions').select('id').where('cohort_id', '=', cohortId).where('date', '=', date).where('half_day', '=', halfDay);
  if (exceptId) q = q.where('id', '!=', exceptId);
  return q.executeTakeFirst();
}

export async function replaceSessionTrainers(trx: Tx, organisationId: string, sessionIds: readonly string[], trainerIds: readonly string[]): Promise<void> {
  if (sessionIds.length === 0) return;
  await trx.deleteFrom('session_trainers').where('session_id', 'in', sessionIds).execute();
  const values = sessionIds.flatMap((session_id) => trainerIds.map((person_id) => ({ organisation_id: organisationId, session_id, person_id })));
  for (let i = 0; i < values.length; i += 1000) await trx.insertInto('session_trainers').values(values.slice(i, i + 1000)).execute();
}

export async function getCohortTrainerIds(trx: Tx, cohortId: string): Promise<string[]> {
  const rows = await trx.selectFrom('cohort_trainers').select('person_id').where('cohort_id', '=', cohortId).orderBy('person_id').execute();
  return rows.map((r) => r.person_id);
}
