import { randomUUID } from 'node:crypto';
import type { Role } from '../src/modules/people/person.table.ts';
import { generateApiKey } from '../src/platform/auth/api-key-format.ts';
import { SESSION_COOKIE } from '../src/platform/auth/authenticate.ts';
import { hashToken, newToken } from '../src/platform/auth/tokens.ts';
import type { Db } from '../src/platform/db/database.ts';
import type { AuthHeaders } from './context.ts';

/**
 * Factories write straight to the database (as the system) so that a test sets
 * up only what it needs; the behaviour under test always goes through the API.
 */
let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

export async function makeOrganisation(db: Db, overrides: { slug?: string; name?: string; timezone?: string } = {}) {
  const slug = overrides.slug ?? `org-${unique()}`;
  return db
    .insertInto('organisations')
    .values({ slug, name: overrides.name ?? `Organisation ${slug}`, timezone: overrides.timezone ?? 'Europe/Paris' })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function makePerson(
  db: Db,
  organisationId: string,
  roles: Role[],
  overrides: { email?: string; givenName?: string; familyName?: string; passwordHash?: string | null } = {},
) {
  const person = await db
    .insertInto('people')
    .values({
      organisation_id: organisationId,
      email: overrides.email ?? `${roles[0] ?? 'person'}-${unique()}@example.test`,
      given_name: overrides.givenName ?? 'Test',
      family_name: overrides.familyName ?? `Person ${unique()}`,
      password_hash: overrides.passwordHash ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  if (roles.length) {
    await db.insertInto('person_roles').values(roles.map((role) => ({ organisation_id: organisationId, person_id: person.id, role }))).execute();
  }
  return person;
}

/** A signed-in browser session for a person: the cookie and the CSRF header. */
export async function sessionHeaders(db: Db, organisationId: string, personId: string): Promise<AuthHeaders> {
  const token = newToken();
  const csrf = newToken(16);
  await db
    .insertInto('auth_sessions')
    .values({ token_hash: hashToken(token), organisation_id: organisationId, person_id: personId, csrf_token: csrf, method: 'password', expires_at: new Date(Date.now() + 3600_000) })
    .execute();
  return { cookie: `${SESSION_COOKIE}=${token}`, 'x-csrf-token': csrf };
}

export async function apiKeyHeaders(db: Db, organisationId: string, scope: 'read' | 'write' = 'write'): Promise<AuthHeaders> {
  const { key, prefix, hash } = generateApiKey();
  await db.insertInto('api_keys').values({ organisation_id: organisationId, id: randomUUID(), name: `key ${prefix}`, prefix, key_hash: hash, scope }).execute();
  return { authorization: `Bearer ${key}` };
}

/** An organisation with one person per role, each with session headers. */
export async function makeOrganisationWithStaff(db: Db) {
  const organisation = await makeOrganisation(db);
  const admin = await makePerson(db, organisation.id, ['admin']);
  const manager = await makePerson(db, organisation.id, ['manager']);
  const trainer = await makePerson(db, organisation.id, ['trainer']);
  const learner = await makePerson(db, organisation.id, ['learner']);
  return {
    organisation,
    admin,
    manager,
    trainer,
    learner,
    as: {
      admin: await sessionHeaders(db, organisation.id, admin.id),
      manager: await sessionHeaders(db, organisation.id, manager.id),
      trainer: await sessionHeaders(db, organisation.id, trainer.id),
      learner: await sessionHeaders(db, organisation.id, learner.id),
      apiKey: await apiKeyHeaders(db, organisation.id, 'write'),
      readKey: await apiKeyHeaders(db, organisation.id, 'read'),
    },
  };
}
