import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import type { cohortUpdateSchema } from './catalogue.schemas.ts';
import { presentCohort } from './cohort.presenter.ts';
import { findCohortByName, getCohortById } from './cohort.repository.ts';
import { duplicateCohortName } from './create-cohort.ts';

export async function updateCohort({ db, clock }: { db: Db; clock: Clock }, ctx: Ctx, id: string, input: z.infer<typeof cohortUpdateSchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const existing = await getCohortById(trx, id);
    if (!existing) throw notFound('Cohort');
    if (input.name && input.name !== existing.name && (await findCohortByName(trx, existing.program_id, input.name, id))) throw duplicateCohortName(input.name);
    const startsOn = input.startsOn !== undefined ? input.startsOn : existing.starts_on;
    const endsOn = input.endsOn !== undefined ? input.endsOn : existing.ends_on;
    if (startsOn && endsOn && endsOn < startsOn) {
      throw new AppError('validation_failed', `The cohort would end (${endsOn}) before it starts (${startsOn}).`, { errors: [problemItem('body.endsOn', 'ends_before_start', { start: 'startsOn' })] });
    }
    const set = {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.startsOn !== undefined ? { starts_on: input.startsOn } : {}),
      ...(input.endsOn !== undefined ? { ends_on: input.endsOn } : {}),
      ...(input.archived !== undefined ? { archived_at: input.archived ? (existing.archived_at ?? clock.now()) : null } : {}),
    };
    if (Object.keys(set).length === 0) return presentCohort(existing);
    await trx.updateTable('cohorts').set({ ...set, updated_at: clock.now() }).where('id', '=', id).execute();
    await recordAuditEvent(trx, ctx, { type: 'cohort.updated', subjectType: 'cohort', subjectId: id, payload: { changes: input } });
    return presentCohort((await getCohortById(trx, id))!);
  });
}
