import type { Selectable } from 'kysely';
import type { Tx } from '../../platform/db/tenant.ts';
import type { EnrolmentStatus, EnrolmentsTable } from './catalogue.table.ts';

export type EnrolmentRow = Selectable<EnrolmentsTable> & { given_name: string; family_name: string; email: string };

function selectEnrolments(trx: Tx) {
  return trx
    .selectFrom('enrolments')
    .innerJoin('people as p', (j) => j.onRef('p.organisation_id', '=', 'enrolments.organisation_id').onRef('p.id', '=', 'enrolments.person_id'))
    .selectAll('enrolments')
    .select(['p.given_name', 'p.family_name', 'p.email']);
}

export function getEnrolmentById(trx: Tx, id: string): Promise<EnrolmentRow | undefined> {
  return selectEnrolments(trx).where('enrolments.id', '=', id).executeTakeFirst();
}

export function getEnrolmentOf(trx: Tx, cohortId: string, personId: string): Promise<EnrolmentRow | undefined> {
  return selectEnrolments(trx).where('enrolments.cohort_id', '=', cohortId).where('enrolments.person_id', '=', personId).executeTakeFirst();
}

/** A cohort's enrolments ordered by the person's family name, given name, then enrolment id; `limit + 1` rows. */
export function findEnrolments(
  trx: Tx,
  opts: { cohortId: string; limit: number; after: readonly [string, string, string] | null; status?: EnrolmentStatus; personId?: string },
): Promise<EnrolmentRow[]> {
  let q = selectEnrolments(trx).where('enrolments.cohort_id', '=', opts.cohortId);
  if (opts.status) q = q.where('enrolments.status', '=', opts.status);
  if (opts.personId) q = q.where('enrolments.person_id', '=', opts.personId);
  if (opts.after) {
    const [family, given, id] = opts.after;
    q = q.where((eb) =>
      eb.or([
        eb('p.family_name', '>', family),
        eb.and([eb('p.family_name', '=', family), eb('p.given_name', '>', given)]),
        eb.and([eb('p.family_name', '=', family), eb('p.given_name', '=', given), eb('enrolments.id', '>', id)]),
      ]),
    );
  }
  return q.orderBy('p.family_name').orderBy('p.given_name').orderBy('enrolments.id').limit(opts.limit + 1).execute();
}
