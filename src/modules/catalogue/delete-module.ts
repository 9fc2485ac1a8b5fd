import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import { getModuleById } from './module.repository.ts';

/** Deletes a module; its sessions keep their dates and lose the module reference. */
export async function deleteModule(db: Db, ctx: Ctx, id: string): Promise<void> {
  assertOrgWide(ctx.actor);
  await withTenant(db, ctx.actor.organisationId, async (trx) => {
    if (!(await getModuleById(trx, id))) throw notFound('Module');
    await trx.deleteFrom('modules').where('id', '=', id).execute();
    await recordAuditEvent(trx, ctx, { type: 'module.deleted', subjectType: 'module', subjectId: id, payload: {} });
  });
}
