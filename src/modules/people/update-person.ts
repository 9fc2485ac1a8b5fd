import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { hashPassword } from '../../platform/auth/password.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { duplicateEmail } from './create-person.ts';
import type { personUpdateSchema } from './people.schemas.ts';
import { assertMayChangeRoles, assertMayEditPerson } from './person-rules.ts';
import { presentPerson } from './person.presenter.ts';
import { countOtherActiveAdmins, getPersonByEmail, getPersonById, replaceRoles } from './person.repository.ts';

/**
 * Staff edit a person: details, roles (replaced as a whole) and archiving.
 * Only an admin grants or removes admin/manager, or edits an admin; the last
 * active admin can neither lose the role nor be archived.
 */
export async function updatePerson({ db, clock }: { db: Db; clock: Clock }, ctx: Ctx, id: string, input: z.infer<typeof personUpdateSchema>) {
  assertOrgWide(ctx.actor);
  const passwordHash = input.password ? await hashPassword(input.password) : input.password === null ? null : undefined;
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const existing = await getPersonById(trx, id);
    if (!existing) throw notFound('Person');
    assertMayEditPerson(ctx.actor, existing.roles);
    if (input.roles) assertMayChangeRoles(ctx.actor, existing.roles, input.roles);

    const losesAdmin = existing.roles.includes('admin') && !existing.archived_at && ((input.roles && !input.roles.includes('admin')) || input.archived === true);
    if (losesAdmin && (await countOtherActiveAdmins(trx, id)) === 0) {
      throw AppError.because('conflict', 'last_admin');
    }
    if (input.email && input.email !== existing.email && (await getPersonByEmail(trx, input.email))) throw duplicateEmail(input.email);

    const set = {
      ...(input.email !== undefined ? { email: input.email } : {}),
      ...(input.givenName !== undefined ? { given_name: input.givenName } : {}),
      ...(input.familyName !== undefined ? { family_name: input.familyName } : {}),
      ...(input.phone !== undefined ? { phone: input.phone } : {}),
      ...(input.externalRef !== undefined ? { external_ref: input.externalRef } : {}),
      ...(passwordHash !== undefined ? { password_hash: passwordHash } : {}),
      ...(input.archived !== undefined ? { archived_at: input.archived ? (existing.archived_at ?? clock.now()) : null } : {}),
    };
    if (Object.keys(set).length) await trx.updateTable('people').set({ ...set, updated_at: clock.now() }).where('id', '=', id).execute();

    const { roles, archived, password, ...details } = input;
    const changes: Record<string, unknown> = { ...details, ...(password !== undefined ? { password: password === null ? 'removed' : 'changed' } : {}) };
    if (archived === false && existing.archived_at) changes.archived = false;
    if (Object.keys(changes).length) await recordAuditEvent(trx, ctx, { type: 'person.updated', subjectType: 'person', subjectId: id, payload: { changes } });
    if (roles && !sameSet(roles, existing.roles)) {
      await replaceRoles(trx, ctx.actor.organisationId, id, roles);
      await recordAuditEvent(trx, ctx, { type: 'person.roles_changed', subjectType: 'person', subjectId: id, payload: { roles } });
    }
    if (archived === true && !existing.archived_at) {
      await trx.deleteFrom('auth_sessions').where('person_id', '=', id).execute();
      await recordAuditEvent(trx, ctx, { type: 'person.archived', subjectType: 'person', subjectId: id, payload: {} });
    }
    return presentPerson((await getPersonById(trx, id))!);
  });
}

function sameSet<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
