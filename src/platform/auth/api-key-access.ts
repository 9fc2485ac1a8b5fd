import { AppError } from '../errors/app-error.ts';
import type { Actor } from './actor.ts';

/**
 * API keys are managed by a signed-in admin only: a key cannot mint or revoke
 * keys, so a leaked key cannot entrench itself.
 */
export function assertPersonAdmin(actor: Actor): asserts actor is Extract<Actor, { kind: 'person' }> {
  if (actor.kind !== 'person' || !actor.roles.includes('admin')) {
    throw AppError.because('forbidden', 'api_keys_admin_only');
  }
}
