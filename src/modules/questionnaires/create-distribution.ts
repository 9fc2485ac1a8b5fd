import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { type Tx, withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import type { distributionCreateSchema } from './questionnaires.schemas.ts';
import { type DistributionRow, dueAtFor, sendDistribution, targetBounds } from './send-distribution.ts';

const TARGET_TABLE = { program: 'programs', module: 'modules', session: 'sessions', cohort: 'cohorts' } as const;

export async function presentDistribution(trx: Tx, d: DistributionRow) {
  const counts = await trx
    .selectFrom('questionnaire_invitations')
    .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.count<string>('id').filterWhere('responded', '=', true).as('r')])
    .where('distribution_id', '=', d.id)
    .executeTakeFirstOrThrow();
  return {
    id: d.id,
    questionnaireId: d.questionnaire_id,
    targetType: d.target_type,
    targetId: d.target_id,
    trigger: d.trigger,
    triggerDays: d.trigger_days,
    audience: d.audience,
    externalEmails: d.external_emails,
    reminderDays: d.reminder_days,
    dueAt: d.due_at?.toISOString() ?? null,
    closesAt: d.closes_at?.toISOString() ?? null,
    status: d.status,
    sentAt: d.sent_at?.toISOString() ?? null,
    invitations: Number(counts.n),
    responded: Number(counts.r),
  };
}

/**
 * Attaches a published questionnaire to a program, module, session or cohort.
 * Its due time follows from the trigger and the target's sessions; when that
 * time has come (or the trigger is 'now') the invitations go out in the same
 * transaction, otherwise the 'questionnaires.distribute' job sends them.
 */
export async function createDistribution(deps: { db: Db; clock: Clock; publicUrl: string }, ctx: Ctx, questionnaireId: string, input: z.infer<typeof distributionCreateSchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(deps.db, ctx.actor.organisationId, async (trx) => {
    const questionnaire = await trx.selectFrom('questionnaires').select(['id', 'status']).where('id', '=', questionnaireId).executeTakeFirst();
    if (!questionnaire) throw notFound('Questionnaire');
    if (questionnaire.status !== 'published') throw AppError.because('conflict', 'questionnaire_not_published_distribute', { status: questionnaire.status });
    const target = await trx.selectFrom(TARGET_TABLE[input.targetType]).select('id').where('id', '=', input.targetId).executeTakeFirst();
    if (!target) throw new AppError('not_found', `The ${input.targetType} was not found`, { errors: [problemItem('body.targetId', 'target_unknown', { targetType: input.targetType })] });
    const now = deps.clock.now();
    const bounds = await targetBounds(trx, input.targetType, input.targetId);
    const dueAt = dueAtFor(input.trigger, input.triggerDays ?? null, bounds, now);
    const closesAt = input.closesAt ? new Date(input.closesAt) : null;
    if (closesAt && closesAt <= now) throw new AppError('validation_failed', 'The closing date is in the past.', { errors: [problemItem('body.closesAt', 'date_in_past')] });
    const row = await trx
      .insertInto('questionnaire_distributions')
      .values({
        organisation_id: ctx.actor.organisationId,
        questionnaire_id: questionnaireId,
        target_type: input.targetType,
        target_id: input.targetId,
        trigger: input.trigger,
        trigger_days: input.triggerDays ?? null,
        audience: input.audience,
        external_emails: input.externalEmails ?? [],
        reminder_days: input.reminderDays ?? [],
        due_at: dueAt,
        closes_at: closesAt,
        created_by: ctx.actor.kind === 'person' ? ctx.actor.personId : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    let sent = 0;
    if (dueAt && dueAt <= now) sent = await sendDistribution(trx, row, { now, publicUrl: deps.publicUrl });
    await recordAuditEvent(trx, ctx, { type: 'questionnaire.distribution_created', subjectType: 'questionnaire', subjectId: questionnaireId, payload: { distributionId: row.id, targetType: input.targetType, targetId: input.targetId, trigger: input.trigger, invitations: sent } });
    const fresh = await trx.selectFrom('questionnaire_distributions').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    return presentDistribution(trx, fresh);
  });
}

export async function listDistributions(db: Db, ctx: Ctx, questionnaireId: string) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const questionnaire = await trx.selectFrom('questionnaires').select('id').where('id', '=', questionnaireId).executeTakeFirst();
    if (!questionnaire) throw notFound('Questionnaire');
    const rows = await trx.selectFrom('questionnaire_distributions').selectAll().where('questionnaire_id', '=', questionnaireId).orderBy('created_at').orderBy('id').execute();
    const items = [];
    for (const r of rows) items.push(await presentDistribution(trx, r));
    return { items };
  });
}
