import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Role } from '../../modules/people/person.table.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors/app-error.ts';
import type { Actor, Ctx, RequestMeta } from './actor.ts';
import { hashToken, safeEqual } from './tokens.ts';

export const SESSION_COOKIE = 'emarge_session';
export const CSRF_HEADER = 'x-csrf-token';
export const API_KEY_PATTERN = /^emk_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{32,64})$/;

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
    meta: RequestMeta;
  }
  interface FastifyContextConfig {
    /**
     * Routes that start a session (sign-in, magic link): they run without one,
     * so a leftover cookie or header is ignored there instead of being checked
     * (an old cookie without its CSRF token must not block signing in again).
     */
    sessionless?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves the actor of every request, once, at the edge: an API key in
 * `Authorization: Bearer emk_…`, or the session cookie. Cookie-authenticated
 * writes must carry the session's CSRF token in `X-CSRF-Token`; read-only API
 * keys cannot write.
 */
export function registerAuthentication(app: FastifyInstance, deps: { db: Db; clock: Clock }): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('meta', null as unknown as RequestMeta);
  app.addHook('onRequest', async (request) => {
    request.meta = { ip: request.ip ?? null, userAgent: request.headers['user-agent']?.slice(0, 500) ?? null };
    if (request.routeOptions.config?.sessionless) return;
    const authorization = request.headers.authorization;
    if (authorization) {
      request.actor = await actorFromApiKey(deps, authorization);
      if (request.actor.kind === 'api_key' && request.actor.scope === 'read' && !SAFE_METHODS.has(request.method)) {
        throw new AppError('scope_insufficient', 'This API key has the read scope; writing needs a key with the write scope.');
      }
      return;
    }
    const token = request.cookies?.[SESSION_COOKIE];
    if (!token) return;
    const actor = await actorFromSession(deps, token);
    if (!actor) return;
    request.actor = actor;
    if (!SAFE_METHODS.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !safeEqual(sent, actor.csrfToken)) {
        throw new AppError('csrf_failed', 'Send the X-CSRF-Token header given by GET /api/v1/auth/session with every change.');
      }
    }
  });
}

async function actorFromApiKey(deps: { db: Db; clock: Clock }, authorization: string): Promise<Actor> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  const parts = match ? API_KEY_PATTERN.exec(match[1]!) : null;
  if (!parts) throw new AppError('unauthenticated', 'The Authorization header must be "Bearer emk_…" with an Emarge API key.');
  const key = await deps.db
    .selectFrom('api_keys')
    .select(['organisation_id', 'id', 'key_hash', 'scope', 'revoked_at'])
    .where('prefix', '=', parts[1]!)
    .executeTakeFirst();
  if (!key || key.revoked_at || !safeEqual(key.key_hash, hashToken(match![1]!))) {
    throw new AppError('unauthenticated', 'This API key is unknown or revoked.');
  }
  // Best-effort usage stamp, at most once a minute per key; never blocks the request.
  void deps.db
    .updateTable('api_keys')
    .set({ last_used_at: deps.clock.now() })
    .where('prefix', '=', parts[1]!)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', new Date(deps.clock.now().getTime() - 60_000))]))
    .execute()
    .catch(() => undefined);
  return { kind: 'api_key', organisationId: key.organisation_id, apiKeyId: key.id, scope: key.scope };
}

async function actorFromSession(deps: { db: Db; clock: Clock }, token: string): Promise<Extract<Actor, { kind: 'person' }> | null> {
  const row = await deps.db
    .selectFrom('auth_sessions as s')
    .innerJoin('people as p', (j) => j.onRef('p.organisation_id', '=', 's.organisation_id').onRef('p.id', '=', 's.person_id'))
    .select(['s.organisation_id', 's.person_id', 's.csrf_token', 's.method', 's.expires_at', 'p.archived_at'])
    .select((eb) =>
      eb
        .selectFrom('person_roles as r')
        .whereRef('r.organisation_id', '=', 's.organisation_id')
        .whereRef('r.person_id', '=', 's.person_id')
        .select((eb2) => eb2.fn.agg<Role[]>('array_agg', ['r.role']).as('roles'))
        .as('roles'),
    )
    .where('s.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row || row.archived_at || row.expires_at <= deps.clock.now()) return null;
  return {
    kind: 'person',
    organisationId: row.organisation_id,
    personId: row.person_id,
    roles: row.roles ?? [],
    method: row.method,
    csrfToken: row.csrf_token,
  };
}

/** The actor and metadata of an authenticated request; throws `unauthenticated` otherwise. */
export function requireCtx(request: FastifyRequest): Ctx {
  if (!request.actor) throw new AppError('unauthenticated', 'Sign in, or send an API key in the Authorization header.');
  return { actor: request.actor, meta: request.meta };
}
