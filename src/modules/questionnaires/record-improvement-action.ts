import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import { assertOwnerIsStaff, presentImprovementActions } from './improvement-action.presenter.ts';
import type { improvementActionCreateSchema, improvementActionListQuerySchema } from './questionnaires.schemas.ts';

/** Records an improvement action (Qualiopi) against a cohort or module, with the finding that motivated it. */
export async function recordImprovementAction(db: Db, ctx: Ctx, input: z.infer<typeof improvementActionCreateSchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const unit = input.unitType === 'cohort' ? await trx.selectFrom('cohorts').select('id').where('id', '=', input.unitId).executeTakeFirst() : await trx.selectFrom('modules').select('id').where('id', '=', input.unitId).executeTakeFirst();
    if (!unit) throw new AppError('not_found', `The ${input.unitType} was not found`, { errors: [problemItem('body.unitId', 'target_unknown', { targetType: input.unitType })] });
    if (input.ownerId) await assertOwnerIsStaff(trx, input.ownerId);
    const row = await trx
      .insertInto('improvement_actions')
      .values({ organisation_id: ctx.actor.organisationId, unit_type: input.unitType, unit_id: input.unitId, metric: input.metric, finding: input.finding ?? '', description: input.description, due_on: input.dueOn ?? null, owner_id: input.ownerId ?? null, created_by: ctx.actor.kind === 'person' ? ctx.actor.personId : null })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, { type: 'questionnaire.improvement_action_recorded', subjectType: input.unitType, subjectId: input.unitId, payload: { unitType: input.unitType, unitId: input.unitId } });
    return (await presentImprovementActions(trx, [row]))[0]!;
  });
}

/**
 * The improvement actions of the organisation (newest first), or of one unit,
 * or with one status: what an auditor reads (created, due, closed, owner,
 * outcome).
 */
export async function listImprovementActions(db: Db, ctx: Ctx, query: z.infer<typeof improvementActionListQuerySchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    let q = trx.selectFrom('improvement_actions').selectAll();
    if (query.unitType) q = q.where('unit_type', '=', query.unitType);
    if (query.unitId) q = q.where('unit_id', '=', query.unitId);
    if (query.status) q = q.where('status', '=', query.status);
    return { items: await presentImprovementActions(trx, await q.orderBy('created_at', 'desc').orderBy('id').limit(500).execute()) };
  });
}
