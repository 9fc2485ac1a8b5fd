import { type Actor, hasRole } from '../../platform/auth/actor.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import type { Role } from './person.table.ts';

const PRIVILEGED: readonly Role[] = ['admin', 'manager'];

/** Only an admin (or an API key / the system) may grant or remove the admin and manager roles. */
export function assertMayChangeRoles(actor: Actor, before: readonly Role[], after: readonly Role[]): void {
  if (actor.kind !== 'person' || hasRole(actor, 'admin')) return;
  const touched = PRIVILEGED.some((r) => before.includes(r) !== after.includes(r));
  if (touched) throw new AppError('forbidden', 'Only an admin can grant or remove the admin and manager roles.', { errors: [problemItem('body.roles', 'roles_admin_only')] });
}

/** A manager may not edit or archive an admin. */
export function assertMayEditPerson(actor: Actor, targetRoles: readonly Role[]): void {
  if (actor.kind !== 'person' || hasRole(actor, 'admin')) return;
  if (targetRoles.includes('admin')) throw AppError.because('forbidden', 'admin_changes_admin_only');
}
