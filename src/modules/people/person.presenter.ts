import { ROLES } from './person.table.ts';
import type { PersonRow } from './person.repository.ts';

/** The public shape of a person: a whitelist (never the password hash), roles in a stable order. */
export function presentPerson(row: PersonRow) {
  return {
    id: row.id,
    email: row.email,
    givenName: row.given_name,
    familyName: row.family_name,
    phone: row.phone,
    externalRef: row.external_ref,
    roles: [...row.roles].sort((a, b) => ROLES.indexOf(a) - ROLES.indexOf(b)),
    createdAt: row.created_at.toISOString(),
    archivedAt: row.archived_at?.toISOString() ?? null,
  };
}
