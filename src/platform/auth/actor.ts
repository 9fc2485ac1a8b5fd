import type { Role } from '../../modules/people/person.table.ts';
import { AppError } from '../errors/app-error.ts';

/** Who is acting: a signed-in person, an organisation API key, or the system (jobs, CLI, seeding). */
export type Actor =
  | {
      kind: 'person';
      organisationId: string;
      personId: string;
      roles: readonly Role[];
      /** 'password' or 'magic_link': how this session was authenticated. */
      method: 'password' | 'magic_link';
      csrfToken: string;
    }
  | { kind: 'api_key'; organisationId: string; apiKeyId: string; scope: 'read' | 'write' }
  | { kind: 'system'; organisationId: string };

/** Request metadata taken once at the edge and passed to use-cases for audit and proof. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

/** What every use-case receives besides its input: who acts, and from where. */
export interface Ctx {
  actor: Actor;
  meta: RequestMeta;
}

export const SYSTEM_META: RequestMeta = { ip: null, userAgent: null };

export function systemCtx(organisationId: string): Ctx {
  return { actor: { kind: 'system', organisationId }, meta: SYSTEM_META };
}

/**
 * Staff-level access across the whole organisation: admins and managers, API
 * keys (scope checked separately on writes) and the system.
 */
export function isOrgWide(actor: Actor): boolean {
  if (actor.kind !== 'person') return true;
  return actor.roles.includes('admin') || actor.roles.includes('manager');
}

export function hasRole(actor: Actor, ...roles: Role[]): boolean {
  return actor.kind === 'person' && roles.some((r) => actor.roles.includes(r));
}

/** Throws `forbidden` unless the actor is org-wide staff (admin, manager, API key, system). */
export function assertOrgWide(actor: Actor): void {
  if (!isOrgWide(actor)) throw AppError.because('forbidden', 'role_admin_or_manager');
}

/** Throws `forbidden` unless the actor is an admin (or an API key / the system). */
export function assertAdmin(actor: Actor): void {
  if (actor.kind === 'person' && !actor.roles.includes('admin')) {
    throw AppError.because('forbidden', 'role_admin');
  }
}

/** The audit columns for an actor. */
export function auditActor(actor: Actor): { actor_type: 'person' | 'api_key' | 'system'; actor_id: string | null } {
  switch (actor.kind) {
    case 'person':
      return { actor_type: 'person', actor_id: actor.personId };
    case 'api_key':
      return { actor_type: 'api_key', actor_id: actor.apiKeyId };
    case 'system':
      return { actor_type: 'system', actor_id: null };
  }
}
