import type { Tx } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { findNonTrainers } from './cohort.repository.ts';
import { sessionBounds } from './session-time.ts';

/** The module must exist and belong to the cohort's program. */
export async function assertModuleOfProgram(trx: Tx, moduleId: string, programId: string): Promise<{ title: string }> {
  const m = await trx.selectFrom('modules').select(['program_id', 'title']).where('id', '=', moduleId).executeTakeFirst();
  if (!m) throw new AppError('not_found', 'Module was not found', { errors: [{ path: 'body.moduleId', message: 'no such module' }] });
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
      errors: bad.map((id) => ({ path: `body.trainerIds.${trainerIds.indexOf(id)}`, message: `${id} is not an active trainer of this organisation` })),
    });
  }
}

/** sessionBounds, with its RangeErrors (DST gap, end before start) turned into a 400 naming the field. */
export function boundsOrThrow(date: string, startTime: string, endTime: string, timezone: string, path = 'body') {
  try {
    return sessionBounds(date, startTime, endTime, timezone);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const field = /after the start/.test(error.message) ? 'endTime' : /does not exist/.test(error.message) ? (error.message.startsWith(startTime) ? 'startTime' : 'endTime') : 'date';
    throw new AppError('validation_failed', `${date} ${startTime}–${endTime}: ${error.message}`, { errors: [{ path: `${path}.${field}`, message: error.message }] });
  }
}

export function duplicateHalfDay(date: string, halfDay: string): AppError {
  return new AppError('duplicate', `This cohort already has a session on ${date} ${halfDay === 'am' ? 'morning' : 'afternoon'}.`, {
    errors: [{ path: 'body.date', message: `the ${halfDay} half-day of ${date} already has a session` }],
  });
}
