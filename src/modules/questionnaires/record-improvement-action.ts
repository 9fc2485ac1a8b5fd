import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import type { improvementActionCreateSchema, improvementActionListQuerySchema } from './questionnaires.schemas.ts';
import type { ImprovementActionsTable } from './questionnaire.table.ts';
import type { Selectable } from 'kysely';

function present(row: Selectable<ImprovementActionsTable>) {
  return { id: row.id, unitType: row.unit_type, unitId: row.unit_id, metric: row.metric, finding: row.finding, description: row.description, dueOn: row.due_on, status: row.status, createdAt: row.created_at.toISOString() };
}

/** Records an improvement action (Qualiopi) against a cohort or module, with the finding that motivated it. */
export async function recordImprovementAction(db: Db, ctx: Ctx, input: z.infer<typeof improvementActionCreateSchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const unit = input.unitType === 'cohort' ? await trx.selectFrom('cohorts').select('id').where('id', '=', input.unitId).executeTakeFirst() : await trx.selectFrom('modules').select('id').where('id', '=', input.unitId).executeTakeFirst();
    if (!unit) throw new AppError('not_found', `The ${input.unitType} was not found`, { errors: [{ path: 'body.unitId', message: `no such ${input.unitType}` }] });
    const row = await trx
      .insertInto('improvement_actions')
      .values({ organisation_id: ctx.actor.organisationId, unit_type: input.unitType, unit_id: input.unitId, metric: input.metric, finding: input.finding ?? '', description: input.description, due_on: input.dueOn ?? null, created_by: ctx.actor.kind === 'person' ? ctx.actor.personId : null })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, { type: 'questionnaire.improvement_action_recorded', subjectType: input.unitType, subjectId: input.unitId, payload: { unitType: input.unitType, unitId: input.unitId } });
    return present(row);
  });
}

export async function listImprovementActions(db: Db, ctx: Ctx, query: z.infer<typeof improvementActionListQuerySchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    let q = trx.selectFrom('improvement_actions').selectAll();
    if (query.unitType) q = q.where('unit_type', '=', query.unitType);
    if (query.unitId) q = q.where('unit_id', '=', query.unitId);
    return { items: (await q.orderBy('created_at', 'desc').orderBy('id').limit(500).execute()).map(present) };
  });
}
