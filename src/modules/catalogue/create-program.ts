import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import type { programCreateSchema } from './catalogue.schemas.ts';
import { presentProgram } from './program.presenter.ts';

export async function createProgram(db: Db, ctx: Ctx, input: z.infer<typeof programCreateSchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    if (input.code) {
      const clash = await trx.selectFrom('programs').select('id').where('code', '=', input.code).executeTakeFirst();
      if (clash) throw new AppError('duplicate', `A program with code "${input.code}" already exists.`, { errors: [problemItem('body.code', 'value_taken')] });
    }
    const row = await trx
      .insertInto('programs')
      .values({
        organisation_id: ctx.actor.organisationId,
        code: input.code ?? null,
        title: input.title,
        objectives: input.objectives ?? '',
        planned_hours: input.plannedHours ?? 0,
        funder: input.funder ?? null,
        funding_reference: input.fundingReference ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, { type: 'program.created', subjectType: 'program', subjectId: row.id, payload: { title: row.title } });
    return presentProgram(row);
  });
}
