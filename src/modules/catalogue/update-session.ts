import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import { getOrganisationTimezone } from '../organisations/organisation.repository.ts';
import type { sessionUpdateSchema } from './catalogue.schemas.ts';
import { presentSession } from './session.presenter.ts';
import { findSessionAt, getSessionById, replaceSessionTrainers } from './session.repository.ts';
import { assertModuleOfProgram, assertTrainers, boundsOrThrow, duplicateHalfDay } from './session-rules.ts';
import { localParts } from './session-time.ts';

/**
 * Moves, edits or cancels a session (`status: 'cancelled'`). A new date or new
 * times are recomputed in the organisation's time zone, keeping the parts not
 * given; moving onto a half-day the cohort already has is a 409.
 */
export async function updateSession({ db, clock }: { db: Db; clock: Clock }, ctx: Ctx, id: string, input: z.infer<typeof sessionUpdateSchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const existing = await getSessionById(trx, id);
    if (!existing) throw notFound('Session');
    const timezone = await getOrganisationTimezone(trx, ctx.actor.organisationId);
    let when = {};
    if (input.date !== undefined || input.startTime !== undefined || input.endTime !== undefined) {
      const date = input.date ?? existing.date;
      const bounds = boundsOrThrow(date, input.startTime ?? localParts(existing.starts_at, timezone).time, input.endTime ?? localParts(existing.ends_at, timezone).time, timezone);
      if (await findSessionAt(trx, existing.cohort_id, date, bounds.halfDay, id)) throw duplicateHalfDay(date, bounds.halfDay);
      when = { date, half_day: bounds.halfDay, starts_at: bounds.startsAt, ends_at: bounds.endsAt };
    }
    if (input.moduleId) {
      const cohort = await trx.selectFrom('cohorts').select('program_id').where('id', '=', existing.cohort_id).executeTakeFirstOrThrow();
      await assertModuleOfProgram(trx, input.moduleId, cohort.program_id);
    }
    if (input.trainerIds) await assertTrainers(trx, input.trainerIds);
    const set = {
      ...when,
      ...(input.moduleId !== undefined ? { module_id: input.moduleId } : {}),
      ...(input.location !== undefined ? { location: input.location } : {}),
      ...(input.remoteUrl !== undefined ? { remote_url: input.remoteUrl } : {}),
      ...(input.capacity !== undefined ? { capacity: input.capacity } : {}),
      ...(input.status !== undefined ? { status: input.status } : {}),
    };
    if (Object.keys(set).length === 0 && !input.trainerIds) return presentSession(existing, timezone);
    if (Object.keys(set).length) await trx.updateTable('sessions').set({ ...set, updated_at: clock.now() }).where('id', '=', id).execute();
    if (input.trainerIds) await replaceSessionTrainers(trx, ctx.actor.organisationId, [id], [...new Set(input.trainerIds)]);
    const { status, ...changes } = input;
    if (status === 'cancelled' && existing.status !== 'cancelled') {
      await recordAuditEvent(trx, ctx, { type: 'session.cancelled', subjectType: 'session', subjectId: id, payload: {} });
    }
    const recorded = status !== undefined && status !== 'cancelled' && status !== existing.status ? { ...changes, status } : changes;
    if (Object.keys(recorded).length) await recordAuditEvent(trx, ctx, { type: 'session.updated', subjectType: 'session', subjectId: id, payload: { changes: recorded } });
    return presentSession((await getSessionById(trx, id))!, timezone);
  });
}
