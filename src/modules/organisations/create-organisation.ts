import { hashPassword } from '../../platform/auth/password.ts';
import { systemCtx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withSystem } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';

export interface CreateOrganisationInput {
  slug: string;
  name: string;
  timezone?: string;
  locale?: 'fr' | 'en';
  admin: { email: string; givenName: string; familyName: string; password?: string };
}

/** Creates an organisation and its first admin (CLI `create-org`, demo seed). */
export async function createOrganisation(db: Db, input: CreateOrganisationInput) {
  const passwordHash = input.admin.password ? await hashPassword(input.admin.password) : null;
  return withSystem(db, async (trx) => {
    const clash = await trx.selectFrom('organisations').select('id').where('slug', '=', input.slug).executeTakeFirst();
    if (clash) throw new AppError('duplicate', `An organisation with slug "${input.slug}" already exists.`);
    const org = await trx
      .insertInto('organisations')
      .values({ slug: input.slug, name: input.name, timezone: input.timezone ?? 'Europe/Paris', locale: input.locale ?? 'fr' })
      .returningAll()
      .executeTakeFirstOrThrow();
    const admin = await trx
      .insertInto('people')
      .values({
        organisation_id: org.id,
        email: input.admin.email.trim().toLowerCase(),
        given_name: input.admin.givenName,
        family_name: input.admin.familyName,
        password_hash: passwordHash,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx.insertInto('person_roles').values({ organisation_id: org.id, person_id: admin.id, role: 'admin' }).execute();
    const ctx = systemCtx(org.id);
    await recordAuditEvent(trx, ctx, { type: 'organisation.created', subjectType: 'organisation', subjectId: org.id, payload: { slug: org.slug, name: org.name } });
    await recordAuditEvent(trx, ctx, { type: 'person.created', subjectType: 'person', subjectId: admin.id, payload: { email: admin.email, roles: ['admin'] } });
    return { organisation: org, admin };
  });
}
