import type { Clock } from '../clock.ts';
import type { Tx } from '../db/tenant.ts';
import type { RequestMeta } from './actor.ts';
import { hashToken, newToken } from './tokens.ts';

export interface NewSession {
  /** The cookie value: given to the browser once, stored only as its hash. */
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

/** Opens a session for a person, in the caller's (tenant) transaction. */
export async function createSession(
  trx: Tx,
  s: { organisationId: string; personId: string; method: 'password' | 'magic_link'; meta: RequestMeta; clock: Clock; ttlHours: number },
): Promise<NewSession> {
  const token = newToken();
  const csrfToken = newToken(16);
  const expiresAt = new Date(s.clock.now().getTime() + s.ttlHours * 3600_000);
  await trx
    .insertInto('auth_sessions')
    .values({
      token_hash: hashToken(token),
      organisation_id: s.organisationId,
      person_id: s.personId,
      csrf_token: csrfToken,
      method: s.method,
      ip: s.meta.ip,
      user_agent: s.meta.userAgent,
      created_at: s.clock.now(),
      expires_at: expiresAt,
    })
    .execute();
  return { token, csrfToken, expiresAt };
}
