import type { Ctx } from '../../platform/auth/actor.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import { presentOrganisation } from './organisation.presenter.ts';
import { getOrganisationById } from './organisation.repository.ts';

/** Every signed-in member (and API key) can read their own organisation. */
export async function getOrganisation(db: Db, ctx: Ctx) {
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const row = await getOrganisationById(trx, ctx.actor.organisationId);
    if (!row) throw notFound('Organisation');
    return presentOrganisation(row);
  });
}
