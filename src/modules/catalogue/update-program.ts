import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import type { programUpdateSchema } from './catalogue.schemas.ts';
import { presentProgram } from './program.presenter.ts';
import { getProgramById } from './program.repository.ts';

export async function updateProgram({ db, clock }: { db: Db; clock: Clock }, ctx: Ctx, id: string, input: z.infer<typeof programUpdateSchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const existing = await getProgramById(trx, id);
    if (!existing) throw notFound('Program');
    if (input.code && input.code !== existing.code) {
      const clash = await trx.selectFrom('programs').select('id').where('code', '=', input.code).where('id', '!=', id).executeTakeFirst();
      if (clash) throw new AppError('duplicate', `A program with code "${input.code}" already exists.`, { errors: [problemItem('body.code', 'value_taken')] });
    }
    const set = {
      ...(input.code !== undefined ? { code: input.code } : {}),
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.objectives !== undefined ? { objectives: input.objectives } : {}),
      ...(input.plannedHours !== undefined ? { planned_hours: input.plannedHours } : {}),
      ...(input.funder !== undefined ? { funder: input.funder } : {}),
      ...(input.fundingReference !== undefined ? { funding_reference: input.fundingReference } : {}),
      ...(input.archived !== undefined ? { archived_at: input.archived ? (existing.archived_at ?? clock.now()) : null } : {}),
    };
    if (Object.keys(set).length === 0) return presentProgram(existing);
    const row = await trx.updateTable('programs').set({ ...set, updated_at: clock.now() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, input.archived === true && !existing.archived_at
      ? { type: 'program.archived', subjectType: 'program', subjectId: id, payload: {} }
      : { type: 'program.updated', subjectType: 'program', subjectId: id, payload: { changes: input } });
    return presentProgram(row);
  });
}
