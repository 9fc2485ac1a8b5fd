import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { type Tx, withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { getOrganisationTimezone } from '../organisations/organisation.repository.ts';
import type { HalfDay } from './catalogue.table.ts';
import type { sessionGenerateSchema } from './catalogue.schemas.ts';
import { frenchHolidayName } from './french-holidays.ts';
import { presentSession } from './session.presenter.ts';
import { findCohortHalfDays, getCohortTrainerIds, halfDayKey, replaceSessionTrainers } from './session.repository.ts';
import { assertModuleOfProgram, assertTrainers, boundsOrThrow } from './session-rules.ts';
import { addDaysToDate, isoWeekday } from './session-time.ts';

export type GenerateSessionsInput = z.output<typeof sessionGenerateSchema>;
export type Skipped = { date: string; halfDay: HalfDay; reason: 'holiday' | 'exists'; holiday?: string };

/**
 * Plans a recurring timetable for a cohort: for `weeks` weeks from `from`, on
 * the given ISO weekdays, one session per slot (half-day). French public
 * holidays are skipped (unless `skipHolidays: false`), and so are half-days the
 * cohort already has, so running it twice creates nothing new. A dry run
 * returns the same preview and writes nothing; otherwise every session is
 * created in one transaction with one `sessions.generated` audit event.
 */
export async function generateSessions(db: Db, ctx: Ctx, cohortId: string, input: GenerateSessionsInput) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, (trx) => generateSessionsInTx(trx, ctx, cohortId, input));
}

/** The generation within the caller's tenant transaction (the demo seed uses it). */
export async function generateSessionsInTx(trx: Tx, ctx: Ctx, cohortId: string, input: GenerateSessionsInput) {
  const organisationId = ctx.actor.organisationId;
  const cohort = await trx
    .selectFrom('cohorts as c')
    .innerJoin('programs as p', (j) => j.onRef('p.organisation_id', '=', 'c.organisation_id').onRef('p.id', '=', 'c.program_id'))
    .select(['c.id', 'c.name', 'c.program_id', 'p.title as program_title'])
    .where('c.id', '=', cohortId)
    .executeTakeFirst();
  if (!cohort) throw new AppError('not_found', 'Cohort was not found');
  const timezone = await getOrganisationTimezone(trx, organisationId);
  const moduleTitle = input.moduleId ? (await assertModuleOfProgram(trx, input.moduleId, cohort.program_id)).title : null;
  if (input.trainerIds) await assertTrainers(trx, input.trainerIds);
  const trainerIds = input.trainerIds ? [...new Set(input.trainerIds)] : await getCohortTrainerIds(trx, cohortId);

  const days = input.weeks * 7;
  const lastDate = addDaysToDate(input.from, days - 1);
  const existing = await findCohortHalfDays(trx, cohortId, input.from, lastDate);
  const weekdays = new Set(input.weekdays);
  const planned: Array<{ date: string; half_day: HalfDay; starts_at: Date; ends_at: Date }> = [];
  const skipped: Skipped[] = [];
  for (let d = 0; d < days; d++) {
    const date = addDaysToDate(input.from, d);
    if (!weekdays.has(isoWeekday(date))) continue;
    const holiday = input.skipHolidays ? frenchHolidayName(date) : null;
    input.slots.forEach((slot, i) => {
      const bounds = boundsOrThrow(date, slot.startTime, slot.endTime, timezone, `body.slots.${i}`);
      if (holiday) skipped.push({ date, halfDay: bounds.halfDay, reason: 'holiday', holiday });
      else if (existing.has(halfDayKey(date, bounds.halfDay))) skipped.push({ date, halfDay: bounds.halfDay, reason: 'exists' });
      else planned.push({ date, half_day: bounds.halfDay, starts_at: bounds.startsAt, ends_at: bounds.endsAt });
    });
  }

  const common = {
    cohort_id: cohortId,
    module_id: input.moduleId ?? null,
    location: input.location ?? null,
    remote_url: input.remoteUrl ?? null,
    capacity: input.capacity ?? null,
    status: 'planned' as const,
  };
  const view = { cohort_name: cohort.name, program_title: cohort.program_title, module_title: moduleTitle, trainer_ids: [...trainerIds].sort() };
  if (input.dryRun) {
    const sessions = planned.map((p) => presentSession({ id: null, organisation_id: organisationId, ...common, ...p, ...view, created_at: new Date(0), updated_at: new Date(0) }, timezone));
    return { created: sessions.length, sessions, skipped };
  }

  const inserted: Array<{ id: string; date: string; half_day: HalfDay; created_at: Date; updated_at: Date }> = [];
  for (let i = 0; i < planned.length; i += 500) {
    const chunk = planned.slice(i, i + 500).map((p) => ({ organisation_id: organisationId, ...common, ...p }));
    inserted.push(...(await trx.insertInto('sessions').values(chunk).returning(['id', 'date', 'half_day', 'created_at', 'updated_at']).execute()));
  }
  const idOf = new Map(inserted.map((r) => [halfDayKey(r.date, r.half_day), r]));
  await replaceSessionTrainers(trx, organisationId, inserted.map((r) => r.id), trainerIds);
  await recordAuditEvent(trx, ctx, {
    type: 'sessions.generated',
    subjectType: 'cohort',
    subjectId: cohortId,
    payload: {
      cohortId,
      created: inserted.length,
      skippedHolidays: [...new Set(skipped.filter((s) => s.reason === 'holiday').map((s) => s.date))],
      skippedExisting: skipped.filter((s) => s.reason === 'exists').length,
    },
  });
  const sessions = planned.map((p) => {
    const row = idOf.get(halfDayKey(p.date, p.half_day))!;
    return presentSession({ organisation_id: organisationId, ...common, ...p, ...view, ...row }, timezone);
  });
  return { created: sessions.length, sessions, skipped };
}
