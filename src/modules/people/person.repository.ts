import { type Selectable, sql } from 'kysely';
import type { Tx } from '../../platform/db/tenant.ts';
import { escapeLike } from '../catalogue/program.repository.ts';
import type { PeopleTable, Role } from './person.table.ts';

export type PersonRow = Selectable<PeopleTable> & { roles: Role[] };

/** Who a non-staff reader may see: themselves, plus (trainers) the people of the given cohorts. */
export interface PeopleVisibility {
  personId: string;
  cohortIds: string[];
}

function selectPeople(trx: Tx) {
  return trx
    .selectFrom('people')
    .selectAll('people')
    .select(
      sql<Role[]>`coalesce(array(select r.role from person_roles r where r.organisation_id = people.organisation_id and r.person_id = people.id order by r.role), '{}')`.as('roles'),
    );
}

export function getPersonById(trx: Tx, id: string): Promise<PersonRow | undefined> {
  return selectPeople(trx).where('people.id', '=', id).executeTakeFirst();
}

export function getPersonByEmail(trx: Tx, email: string): Promise<PersonRow | undefined> {
  return selectPeople(trx).where('people.email', '=', email).executeTakeFirst();
}

/** People ordered by family name, given name, id after the keyset `after`; `limit + 1` rows. */
export function findPeople(
  trx: Tx,
  opts: {
    limit: number;
    after: readonly [string, string, string] | null;
    role?: Role;
    query?: string;
    cohortId?: string;
    includeArchived: boolean;
    visibleTo?: PeopleVisibility;
  },
): Promise<PersonRow[]> {
  let q = selectPeople(trx);
  if (!opts.includeArchived) q = q.where('people.archived_at', 'is', null);
  if (opts.role) {
    const role = opts.role;
    q = q.where((eb) => eb.exists(eb.selectFrom('person_roles as r').select('r.person_id').whereRef('r.person_id', '=', 'people.id').where('r.role', '=', role)));
  }
  if (opts.query) {
    const like = `%${escapeLike(opts.query.trim())}%`;
    q = q.where((eb) =>
      eb.or([
        eb('people.email', 'ilike', like),
        eb(sql`people.given_name || ' ' || people.family_name`, 'ilike', like),
        eb(sql`people.family_name || ' ' || people.given_name`, 'ilike', like),
      ]),
    );
  }
  if (opts.cohortId) q = q.where((eb) => inCohorts(eb, [opts.cohortId!]));
  if (opts.visibleTo) {
    const v = opts.visibleTo;
    q = q.where((eb) => (v.cohortIds.length ? eb.or([eb('people.id', '=', v.personId), inCohorts(eb, v.cohortIds)]) : eb('people.id', '=', v.personId)));
  }
  if (opts.after) {
    const [family, given, id] = opts.after;
    q = q.where((eb) =>
      eb.or([
        eb('people.family_name', '>', family),
        eb.and([eb('people.family_name', '=', family), eb('people.given_name', '>', given)]),
        eb.and([eb('people.family_name', '=', family), eb('people.given_name', '=', given), eb('people.id', '>', id)]),
      ]),
    );
  }
  return q.orderBy('people.family_name').orderBy('people.given_name').orderBy('people.id').limit(opts.limit + 1).execute();
}

/** Whether `personId` belongs to one of `cohortIds` (enrolled or assigned trainer). */
export async function isPersonInCohorts(trx: Tx, personId: string, cohortIds: string[]): Promise<boolean> {
  if (cohortIds.length === 0) return false;
  const row = await trx
    .selectFrom('people')
    .select('people.id')
    .where('people.id', '=', personId)
    .where((eb) => inCohorts(eb, cohortIds))
    .executeTakeFirst();
  return row !== undefined;
}

// biome-ignore lint: the expression builder's type is deeply generic
function inCohorts(eb: any, cohortIds: string[]) {
  return eb.or([
    eb.exists(eb.selectFrom('enrolments as e').select('e.id').whereRef('e.person_id', '=', 'people.id').where('e.cohort_id', 'in', cohortIds)),
    eb.exists(eb.selectFrom('cohort_trainers as ct').select('ct.person_id').whereRef('ct.person_id', '=', 'people.id').where('ct.cohort_id', 'in', cohortIds)),
  ]);
}

export async function replaceRoles(trx: Tx, organisationId: string, personId: string, roles: readonly Role[]): Promise<void> {
  await trx.deleteFrom('person_roles').where('person_id', '=', personId).execute();
  if (roles.length) await trx.insertInto('person_roles').values(roles.map((role) => ({ organisation_id: organisationId, person_id: personId, role }))).execute();
}

/** Active admins other than `exceptId`. */
export async function countOtherActiveAdmins(trx: Tx, exceptId: string): Promise<number> {
  const row = await trx
    .selectFrom('person_roles as r')
    .innerJoin('people as p', (j) => j.onRef('p.organisation_id', '=', 'r.organisation_id').onRef('p.id', '=', 'r.person_id'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('r.role', '=', 'admin')
    .where('p.archived_at', 'is', null)
    .where('p.id', '!=', exceptId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
