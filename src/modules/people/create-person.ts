import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { hashPassword } from '../../platform/auth/password.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import type { personCreateSchema } from './people.schemas.ts';
import { assertMayChangeRoles } from './person-rules.ts';
import { presentPerson } from './person.presenter.ts';
import { getPersonByEmail, getPersonById, replaceRoles } from './person.repository.ts';

export async function createPerson(db: Db, ctx: Ctx, input: z.infer<typeof personCreateSchema>) {
  assertOrgWide(ctx.actor);
  assertMayChangeRoles(ctx.actor, [], input.roles);
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    if (await getPersonByEmail(trx, input.email)) throw duplicateEmail(input.email);
    const row = await trx
      .insertInto('people')
      .values({
        organisation_id: ctx.actor.organisationId,
        email: input.email,
        given_name: input.givenName,
        family_name: input.familyName,
        phone: input.phone ?? null,
        external_ref: input.externalRef ?? null,
        password_hash: passwordHash,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await replaceRoles(trx, ctx.actor.organisationId, row.id, input.roles);
    await recordAuditEvent(trx, ctx, { type: 'person.created', subjectType: 'person', subjectId: row.id, payload: { email: input.email, roles: input.roles } });
    return presentPerson((await getPersonById(trx, row.id))!);
  });
}

export function duplicateEmail(email: string): AppError {
  return new AppError('duplicate', `A person with email ${email} already exists in this organisation.`, { errors: [problemItem('body.email', 'value_taken')] });
}
