import { hashToken, newToken } from '../../platform/auth/tokens.ts';
import type { Tx } from '../../platform/db/tenant.ts';

/**
 * When a mailed signing link expires: after the configured validity
 * (`signingLinkTtlHours`, 4 h by default), but never before the session's
 * signing window closes, so a link mailed at the start of a long session still
 * works until the end of its window (signing itself is refused outside the window).
 */
export function signingLinkExpiry(now: Date, window: { closesAt: Date }, ttlHours: number): Date {
  return new Date(Math.max(now.getTime() + ttlHours * 3_600_000, window.closesAt.getTime()));
}

/** The public URL of a personal signing link (the web page that calls POST /api/v1/sign/link). */
export function signingLinkUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/sign/link?token=${encodeURIComponent(token)}`;
}

/**
 * Creates a personal signing link for one person and one session, in the
 * caller's transaction: only the token's hash is stored; the token itself is
 * returned once (to be mailed). The link is single use and expires at `expiresAt`.
 */
export async function createSigningLink(
  trx: Tx,
  input: { organisationId: string; sessionId: string; personId: string; expiresAt: Date; publicUrl: string },
): Promise<{ token: string; url: string }> {
  const token = newToken();
  await trx
    .insertInto('signing_links')
    .values({ token_hash: hashToken(token), organisation_id: input.organisationId, session_id: input.sessionId, person_id: input.personId, expires_at: input.expiresAt })
    .execute();
  return { token, url: signingLinkUrl(input.publicUrl, token) };
}
