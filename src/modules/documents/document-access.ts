import { type Actor, hasRole, isOrgWide } from '../../platform/auth/actor.ts';
import type { Tx } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { isTrainerOfCohort } from '../catalogue/access.ts';

/** Staff and trainers may ask for sheets; anyone else is refused before any lookup (so a 403 reveals nothing). */
export function assertMayReadSheets(actor: Actor): void {
  if (!isOrgWide(actor) && !hasRole(actor, 'trainer')) throw AppError.because('forbidden', 'sheets_staff_or_session_trainer');
}

/** A trainer sees the sheets of the cohorts they train (assigned to the cohort or one of its sessions); others get 404. */
export async function assertSheetScope(trx: Tx, actor: Actor, cohortId: string, what: string): Promise<void> {
  if (isOrgWide(actor)) return;
  if (actor.kind === 'person' && (await isTrainerOfCohort(trx, actor.personId, cohortId))) return;
  throw notFound(what);
}

export function actorPersonId(actor: Actor): string | null {
  return actor.kind === 'person' ? actor.personId : null;
}
