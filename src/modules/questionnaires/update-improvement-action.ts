import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { type Tx, withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import { assertOwnerIsStaff, type ImprovementActionRow, presentImprovementActions } from './improvement-action.presenter.ts';
import type { improvementActionCloseSchema, improvementActionUpdateSchema } from './questionnaires.schemas.ts';

async function lockAction(trx: Tx, id: string): Promise<ImprovementActionRow> {
  const row = await trx.selectFrom('improvement_actions').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw notFound('Improvement action');
  return row;
}

/** One improvement action (404 for another organisation's). */
export async function getImprovementAction(db: Db, ctx: Ctx, id: string) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const row = await trx.selectFrom('improvement_actions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('Improvement action');
    return (await presentImprovementActions(trx, [row]))[0]!;
  });
}

/**
 * Follows an action up: description, due date, owner, status, outcome note.
 * Becoming `done` sets closed_at (and needs an outcome, sent or already
 * recorded); leaving `done` (reopening) clears it. Audited with the changes.
 */
export async function updateImprovementAction(deps: { db: Db; clock: Clock }, ctx: Ctx, id: string, input: z.infer<typeof improvementActionUpdateSchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(deps.db, ctx.actor.organisationId, async (trx) => {
    const row = await lockAction(trx, id);
    if (input.ownerId) await assertOwnerIsStaff(trx, input.ownerId);
    const set: Partial<Record<'description' | 'due_on' | 'owner_id' | 'outcome' | 'status', unknown>> & { closed_at?: Date | null } = {};
    const changes: Record<string, unknown> = {};
    const change = (column: 'description' | 'due_on' | 'owner_id' | 'outcome' | 'status', field: string, value: unknown) => {
      if (value === undefined || value === row[column]) return;
      set[column] = value;
      changes[field] = value;
    };
    change('description', 'description', input.description);
    change('due_on', 'dueOn', input.dueOn);
    change('owner_id', 'ownerId', input.ownerId);
    change('outcome', 'outcome', input.outcome?.trim());
    change('status', 'status', input.status);
    if (input.status === 'done' && row.status !== 'done') {
      if (!(input.outcome?.trim() || row.outcome)) throw new AppError('improvement_action_outcome_required', 'Closing an improvement action needs its outcome.', { errors: [problemItem('body.outcome', 'outcome_required')] });
      set.closed_at = deps.clock.now();
    } else if (input.status && input.status !== 'done' && row.status === 'done') set.closed_at = null;
    if (Object.keys(changes).length === 0) return (await presentImprovementActions(trx, [row]))[0]!;
    const updated = await trx
      .updateTable('improvement_actions')
      .set({ ...(set as object), updated_at: deps.clock.now() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, updated.status === 'done' && row.status !== 'done'
      ? { type: 'questionnaire.improvement_action_closed', subjectType: 'improvement_action', subjectId: id, payload: { actionId: id, outcome: updated.outcome } }
      : { type: 'questionnaire.improvement_action_updated', subjectType: 'improvement_action', subjectId: id, payload: { actionId: id, changes } });
    return (await presentImprovementActions(trx, [updated]))[0]!;
  });
}

/**
 * Closes an action with its outcome. Idempotent: closing an action already
 * done returns it unchanged (its closed_at and outcome stay the first ones;
 * no second audit event).
 */
export async function closeImprovementAction(deps: { db: Db; clock: Clock }, ctx: Ctx, id: string, input: z.infer<typeof improvementActionCloseSchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(deps.db, ctx.actor.organisationId, async (trx) => {
    const row = await lockAction(trx, id);
    if (row.status === 'done') return (await presentImprovementActions(trx, [row]))[0]!;
    const now = deps.clock.now();
    const updated = await trx.updateTable('improvement_actions').set({ status: 'done', outcome: input.outcome, closed_at: now, updated_at: now }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, { type: 'questionnaire.improvement_action_closed', subjectType: 'improvement_action', subjectId: id, payload: { actionId: id, outcome: input.outcome } });
    return (await presentImprovementActions(trx, [updated]))[0]!;
  });
}
