import { z } from 'zod';
import { type Ctx, isOrgWide } from '../../platform/auth/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { decodeCursor, toPage } from '../../platform/http/pagination.ts';
import { getOrganisationById } from '../organisations/organisation.repository.ts';
import { presentTime } from './attendance.presenter.ts';
import { resolveAttendanceSettings } from './attendance-settings.ts';
import { findSheetList, findTrainedCohortIds, type SheetListRow } from './sheet-list.repository.ts';
import { signingWindowOf, windowStateAt } from './signing-window.ts';

export interface SheetListQuery {
  from: string;
  to: string;
  limit: number;
  cursor?: string | undefined;
  cohortId?: string | undefined;
  programId?: string | undefined;
  status?: 'open' | 'locked' | undefined;
}

/**
 * GET /attendance/sheets: the managers' sheet list, one row per session on
 * local dates from..to (at most 62 days, checked by the schema) with its
 * cohort, program, module, trainers, times in the organisation's zone, sheet
 * state, counts and what is missing. Admins and managers see every session,
 * a trainer the sessions they may manage (as GET /sessions/:id/attendance),
 * a learner nothing (403). Reads only: sheets are not created here.
 */
export async function listAttendanceSheets(deps: { db: Db; clock: Clock }, ctx: Ctx, q: SheetListQuery) {
  const { actor } = ctx;
  const orgWide = isOrgWide(actor);
  if (!orgWide && !(actor.kind === 'person' && actor.roles.includes('trainer'))) {
    throw AppError.because('forbidden', 'sheets_staff_or_trainer_only');
  }
  const after = decodeCursor(q.cursor, [z.iso.datetime(), z.uuid()] as const);
  return withTenant(deps.db, actor.organisationId, async (trx) => {
    const cohortIds = orgWide || actor.kind !== 'person' ? undefined : await findTrainedCohortIds(trx, actor.personId);
    if (q.cohortId) {
      const cohort = await trx.selectFrom('cohorts').select('id').where('id', '=', q.cohortId).executeTakeFirst();
      if (!cohort || (cohortIds && !cohortIds.includes(cohort.id))) throw notFound('Cohort');
    }
    if (q.programId) {
      const program = await trx.selectFrom('programs').select('id').where('id', '=', q.programId).executeTakeFirst();
      const trained = !cohortIds || (cohortIds.length > 0 && (await trx.selectFrom('cohorts').select('id').where('program_id', '=', q.programId).where('id', 'in', cohortIds).executeTakeFirst()) !== undefined);
      if (!program || !trained) throw notFound('Program');
    }
    const organisation = await getOrganisationById(trx, actor.organisationId);
    if (!organisation) throw notFound('Organisation');
    const rows = await findSheetList(trx, { from: q.from, to: q.to, limit: q.limit, after, cohortId: q.cohortId, programId: q.programId, status: q.status, cohortIds });
    const now = deps.clock.now();
    return toPage(rows, q.limit, (r) => presentSheetListItem(r, organisation.timezone, organisation.settings, now), (r) => [r.starts_at.toISOString(), r.id]);
  });
}

/** One line of the sheet list (field whitelist). */
export function presentSheetListItem(r: SheetListRow, timezone: string, orgSettings: unknown, now: Date) {
  const settings = resolveAttendanceSettings(orgSettings, r.program_settings);
  const window = signingWindowOf(r, settings);
  const cancelled = r.session_status === 'cancelled';
  const trainerSigned = r.trainers.some((t) => t.signed);
  const missingTrainer = !cancelled && !trainerSigned;
  const missingLearners = cancelled ? 0 : r.pending;
  return {
    sessionId: r.id,
    date: r.date,
    halfDay: r.half_day,
    cancelled,
    timezone,
    startsAt: presentTime(r.starts_at, timezone)!,
    endsAt: presentTime(r.ends_at, timezone)!,
    cohort: { id: r.cohort_id, name: r.cohort_name },
    program: { id: r.program_id, title: r.program_title },
    module: r.module_id ? { id: r.module_id, title: r.module_title ?? '' } : null,
    trainers: r.trainers.map((t) => ({ personId: t.personId, name: `${t.givenName} ${t.familyName}`, signed: t.signed })),
    sheet: { status: r.sheet_status ?? 'open', version: r.sheet_version ?? 1, lockedAt: presentTime(r.locked_at, timezone) },
    window: { state: windowStateAt(window, now), opensAt: presentTime(window.opensAt, timezone)!, closesAt: presentTime(window.closesAt, timezone)! },
    trainerSigned,
    counts: {
      expected: r.learners,
      attended: r.signed + r.marked,
      signed: r.signed,
      marked: r.marked,
      pending: r.pending,
      present: r.present,
      late: r.late,
      left_early: r.left_early,
      absent: r.absent,
      excused: r.excused,
    },
    missing: { learners: missingLearners, trainer: missingTrainer, signatures: missingLearners + (missingTrainer ? 1 : 0), any: missingLearners > 0 || missingTrainer },
  };
}
