import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import type { moduleCreateSchema } from './catalogue.schemas.ts';
import { presentModule } from './module.presenter.ts';
import { nextModulePosition } from './module.repository.ts';
import { getProgramById } from './program.repository.ts';

export async function createModule(db: Db, ctx: Ctx, programId: string, input: z.infer<typeof moduleCreateSchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    if (!(await getProgramById(trx, programId))) throw notFound('Program');
    const row = await trx
      .insertInto('modules')
      .values({
        organisation_id: ctx.actor.organisationId,
        program_id: programId,
        title: input.title,
        position: input.position ?? (await nextModulePosition(trx, programId)),
        planned_hours: input.plannedHours ?? 0,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, { type: 'module.created', subjectType: 'module', subjectId: row.id, payload: { programId, title: row.title } });
    return presentModule(row);
  });
}
