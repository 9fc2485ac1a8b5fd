import type { Tx } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import { findNonTrainers } from './cohort.repository.ts';
import { SessionTimeError, sessionBounds } from './session-time.ts';

/** The module must exist and belong to the cohort's program. */
export async function assertModuleOfProgram(trx: Tx, moduleId: string, programId: string): Promise<{ title: string }> {
  const m = await trx.selectFrom('modules').select(['program_id', 'title']).where('id', '=', moduleId).executeTakeFirst();
  if (!m) throw new AppError('not_found', 'Module was not found', { errors: [problemItem('body.moduleId', 'module_unknown')] });
  if (m.program_id !== programId) {
    throw new AppError('validation_failed', "The module belongs to another program than the cohort's.", { errors: [{ path: 'body.moduleId', message: "is not a module of the cohort's program" }] });
  }
  return { title: m.title };
}

/** Every id must be an active person with the trainer role. */
export async function assertTrainers(trx: Tx, trainerIds: readonly string[]): Promise<void> {
  const bad = await findNonTrainers(trx, trainerIds);
  if (bad.length) {
    throw new AppError('validation_failed', 'Every trainer must be an active person with the trainer role.', {
      errors: bad.map((id) => problemItem(`body.trainerIds.${trainerIds.indexOf(id)}`, 'trainer_not_active', { id })),
    });
  }
}

/** sessionBounds, with its RangeErrors (DST gap, end before start) turned into a 400 naming the field. */
export function boundsOrThrow(date: string, startTime: string, endTime: string, timezone: string, path = 'body') {
  try {
    return sessionBounds(date, startTime, endTime, timezone);
  } catch (error) {
    if (!(error instanceof SessionTimeError)) throw error;
    const field = { date: 'date', start: 'startTime', end: 'endTime' }[error.field];
    throw new AppError('validation_failed', `${date} ${startTime}–${endTime}: ${error.message}`, { errors: [problemItem(`${path}.${field}`, error.code, error.params)] });
  }
}

export function duplicateHalfDay(date: string, halfDay: string): AppError {
  return new AppError('duplicate', `This cohort already has a session on ${date} ${halfDay === 'am' ? 'morning' : 'afternoon'}.`, {
    errors: [problemItem('body.date', 'half_day_taken', { halfDay: halfDay === 'am' ? 'morning' : 'afternoon', date })],
  });
}
