import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import { getOrganisationTimezone } from '../organisations/organisation.repository.ts';
import type { sessionCreateSchema } from './catalogue.schemas.ts';
import { presentSession } from './session.presenter.ts';
import { findSessionAt, getCohortTrainerIds, getSessionById, replaceSessionTrainers } from './session.repository.ts';
import { assertModuleOfProgram, assertTrainers, boundsOrThrow, duplicateHalfDay } from './session-rules.ts';

/**
 * Plans one half-day session. Times are wall-clock times in the organisation's
 * time zone; a cohort has at most one session per half-day. Without
 * `trainerIds`, the cohort's trainers run it.
 */
export async function createSession(db: Db, ctx: Ctx, input: z.infer<typeof sessionCreateSchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const cohort = await trx.selectFrom('cohorts').select(['id', 'program_id']).where('id', '=', input.cohortId).executeTakeFirst();
    if (!cohort) throw new AppError('not_found', 'Cohort was not found', { errors: [problemItem('body.cohortId', 'cohort_unknown')] });
    const timezone = await getOrganisationTimezone(trx, ctx.actor.organisationId);
    const bounds = boundsOrThrow(input.date, input.startTime, input.endTime, timezone);
    if (input.moduleId) await assertModuleOfProgram(trx, input.moduleId, cohort.program_id);
    if (input.trainerIds) await assertTrainers(trx, input.trainerIds);
    if (await findSessionAt(trx, cohort.id, input.date, bounds.halfDay)) throw duplicateHalfDay(input.date, bounds.halfDay);
    const row = await trx
      .insertInto('sessions')
      .values({
        organisation_id: ctx.actor.organisationId,
        cohort_id: cohort.id,
        module_id: input.moduleId ?? null,
        date: input.date,
        half_day: bounds.halfDay,
        starts_at: bounds.startsAt,
        ends_at: bounds.endsAt,
        location: input.location ?? null,
        remote_url: input.remoteUrl ?? null,
        capacity: input.capacity ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const trainerIds = input.trainerIds ? [...new Set(input.trainerIds)] : await getCohortTrainerIds(trx, cohort.id);
    await replaceSessionTrainers(trx, ctx.actor.organisationId, [row.id], trainerIds);
    await recordAuditEvent(trx, ctx, { type: 'session.created', subjectType: 'session', subjectId: row.id, payload: { cohortId: cohort.id, date: input.date, halfDay: bounds.halfDay } });
    return presentSession((await getSessionById(trx, row.id))!, timezone);
  });
}
