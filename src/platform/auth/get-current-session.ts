import type { Db } from '../db/database.ts';
import { withTenant } from '../db/tenant.ts';
import { AppError } from '../errors/app-error.ts';
import type { Ctx } from './actor.ts';
import type { SessionInfo } from './auth.schemas.ts';
import { getSessionInfo } from './session-info.ts';
import { hashToken } from './tokens.ts';

/** The signed-in browser session (API keys have none: 401). */
export async function getCurrentSession(db: Db, ctx: Ctx, token: string | undefined): Promise<SessionInfo> {
  const actor = ctx.actor;
  if (actor.kind !== 'person' || !token) throw new AppError('unauthenticated', 'No browser session: sign in first.');
  return withTenant(db, actor.organisationId, async (trx) => {
    const session = await trx.selectFrom('auth_sessions').select(['expires_at']).where('token_hash', '=', hashToken(token)).executeTakeFirst();
    if (!session) throw new AppError('unauthenticated', 'This session has ended: sign in again.');
    return getSessionInfo(trx, { organisationId: actor.organisationId, personId: actor.personId, csrfToken: actor.csrfToken, expiresAt: session.expires_at });
  });
}
