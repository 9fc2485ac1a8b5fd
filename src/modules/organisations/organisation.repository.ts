import type { Tx } from '../../platform/db/tenant.ts';
import type { OrganisationRow } from './organisation.presenter.ts';

/** The current tenant's organisation (RLS shows only that one row). */
export function getOrganisationById(trx: Tx, id: string): Promise<OrganisationRow | undefined> {
  return trx.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The organisation's IANA time zone, used to present and compute session times. */
export async function getOrganisationTimezone(trx: Tx, id: string): Promise<string> {
  const row = await trx.selectFrom('organisations').select('timezone').where('id', '=', id).executeTakeFirstOrThrow();
  return row.timezone;
}
