import type { z } from 'zod';
import { assertAdmin, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import type { organisationUpdateSchema } from './organisation.schemas.ts';
import { presentOrganisation } from './organisation.presenter.ts';
import { getOrganisationById } from './organisation.repository.ts';

/** Admins (and write API keys) rename the organisation, change its time zone or default locale. */
export async function updateOrganisation(db: Db, ctx: Ctx, input: z.infer<typeof organisationUpdateSchema>) {
  assertAdmin(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const existing = await getOrganisationById(trx, ctx.actor.organisationId);
    if (!existing) throw notFound('Organisation');
    const set = {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.timezone !== undefined ? { timezone: input.timezone } : {}),
      ...(input.locale !== undefined ? { locale: input.locale } : {}),
    };
    if (Object.keys(set).length === 0) return presentOrganisation(existing);
    const row = await trx.updateTable('organisations').set(set).where('id', '=', existing.id).returningAll().executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, { type: 'organisation.updated', subjectType: 'organisation', subjectId: row.id, payload: { changes: input } });
    return presentOrganisation(row);
  });
}
