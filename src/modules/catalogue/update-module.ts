import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import type { moduleUpdateSchema } from './catalogue.schemas.ts';
import { presentModule } from './module.presenter.ts';
import { getModuleById } from './module.repository.ts';

export async function updateModule({ db, clock }: { db: Db; clock: Clock }, ctx: Ctx, id: string, input: z.infer<typeof moduleUpdateSchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const existing = await getModuleById(trx, id);
    if (!existing) throw notFound('Module');
    const set = {
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.position !== undefined ? { position: input.position } : {}),
      ...(input.plannedHours !== undefined ? { planned_hours: input.plannedHours } : {}),
    };
    if (Object.keys(set).length === 0) return presentModule(existing);
    const row = await trx.updateTable('modules').set({ ...set, updated_at: clock.now() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, { type: 'module.updated', subjectType: 'module', subjectId: id, payload: { changes: input } });
    return presentModule(row);
  });
}
