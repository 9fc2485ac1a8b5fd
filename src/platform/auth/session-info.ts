import type { Role } from '../../modules/people/person.table.ts';
import type { Tx } from '../db/tenant.ts';
import type { SessionInfo } from './auth.schemas.ts';

/** Who is signed in, where, and the CSRF token to send with every change (read in the tenant's transaction). */
export async function getSessionInfo(trx: Tx, s: { organisationId: string; personId: string; csrfToken: string; expiresAt: Date }): Promise<SessionInfo> {
  const person = await trx
    .selectFrom('people')
    .select(['id', 'email', 'given_name', 'family_name', 'locale'])
    .where('organisation_id', '=', s.organisationId)
    .where('id', '=', s.personId)
    .executeTakeFirstOrThrow();
  const roles = await trx
    .selectFrom('person_roles')
    .select('role')
    .where('organisation_id', '=', s.organisationId)
    .where('person_id', '=', s.personId)
    .execute();
  const org = await trx.selectFrom('organisations').select(['id', 'slug', 'name', 'timezone', 'locale']).where('id', '=', s.organisationId).executeTakeFirstOrThrow();
  const order: Role[] = ['admin', 'manager', 'trainer', 'learner'];
  return {
    person: {
      id: person.id,
      email: person.email,
      givenName: person.given_name,
      familyName: person.family_name,
      roles: order.filter((r) => roles.some((x) => x.role === r)),
      locale: person.locale,
    },
    organisation: { id: org.id, slug: org.slug, name: org.name, timezone: org.timezone, locale: org.locale },
    csrfToken: s.csrfToken,
    expiresAt: s.expiresAt.toISOString(),
  };
}
