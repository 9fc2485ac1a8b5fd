import type { Selectable } from 'kysely';
import type { OrganisationsTable } from './organisation.table.ts';

export type OrganisationRow = Selectable<OrganisationsTable>;

/** The public shape of an organisation: a whitelist of fields, camelCase. */
export function presentOrganisation(row: OrganisationRow) {
  return { id: row.id, slug: row.slug, name: row.name, timezone: row.timezone, locale: row.locale, createdAt: row.created_at.toISOString() };
}
