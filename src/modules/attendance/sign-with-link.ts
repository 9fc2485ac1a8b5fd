import type { Config } from '../../config.ts';
import type { RequestMeta } from '../../platform/auth/actor.ts';
import { hashToken } from '../../platform/auth/tokens.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { publishAttendanceEvent } from './attendance-events.ts';
import { loadAttendanceSession } from './attendance-session.ts';
import { type Geolocation, recordSignature, type SignatureProof } from './record-signature.ts';
import { renderSignaturePng, type SignatureStrokes } from './signature-strokes.ts';

type Deps = { db: Db; clock: Clock; config?: Pick<Config, 'publicUrl'> };

export const invalidLink = () => new AppError('signing_link_invalid', 'This signing link is not valid (mistyped or cut?): open the link from your latest mail, or ask the trainer.');

/**
 * Who a browser's session cookie belongs to, if anyone (signing links are
 * sessionless: the link authenticates; the cookie only guards against signing
 * with someone else's forwarded link).
 */
async function cookiePerson(db: Db, cookieToken: string | undefined): Promise<{ organisation_id: string; person_id: string; expires_at: Date } | null> {
  if (!cookieToken) return null;
  const row = await db.selectFrom('auth_sessions').select(['organisation_id', 'person_id', 'expires_at']).where('token_hash', '=', hashToken(cookieToken)).executeTakeFirst();
  return row ? row : null;
}

/**
 * Signs with a personal signing link: the link authenticates its person (no
 * account needed) and is spent in the same transaction as the signature (one
 * conditional UPDATE, so two uses cannot both sign). A second use returns the
 * first proof (200) without recording anything; an expired unused link is
 * refused (410). A browser signed in as someone else cannot use the link.
 */
export async function signWithLink(
  deps: Deps,
  input: { token: string; strokes: SignatureStrokes; geolocation?: Geolocation | null },
  meta: RequestMeta,
  cookieToken?: string,
): Promise<SignatureProof> {
  const { db, clock } = deps;
  const tokenHash = hashToken(input.token);
  // The token is the only thing we have: find its organisation first (cross-tenant lookup by hash).
  const link = await db.selectFrom('signing_links').select(['organisation_id', 'person_id']).where('token_hash', '=', tokenHash).executeTakeFirst();
  if (!link) throw invalidLink();
  const browser = await cookiePerson(db, cookieToken);
  if (browser && browser.expires_at > clock.now() && (browser.organisation_id !== link.organisation_id || browser.person_id !== link.person_id)) {
    throw new AppError('signer_mismatch', 'This signing link was sent to someone else; you are signed in as another person. Each person signs with their own link.');
  }
  // Rendering is CPU work: done before the transaction, so it holds no lock meanwhile.
  const rendered = renderSignaturePng(input.strokes);
  const result = await withTenant(db, link.organisation_id, async (trx) => {
    const now = clock.now();
    const row = await trx.selectFrom('signing_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirstOrThrow();
    const loaded = await loadAttendanceSession(trx, row.session_id);
    if (!loaded) throw invalidLink();
    return recordSignature(trx, {
      loaded,
      personId: row.person_id,
      method: 'link',
      role: 'learner',
      authentication: { via: 'signing_link', linkTokenSha256: tokenHash, linkCreatedAt: row.created_at.toISOString(), linkExpiresAt: row.expires_at.toISOString() },
      meta,
      rendered,
      geolocation: input.geolocation ?? null,
      now,
      auditAs: { kind: 'person', personId: row.person_id },
      window: 'enforce',
      beforeWrite: async () => {
        if (row.used_at) throw new AppError('signing_link_invalid', 'This signing link was already used, and the signature it gave is no longer on the sheet; ask the trainer.');
        if (row.expires_at <= now) throw new AppError('signing_link_expired', 'This signing link has expired; ask the trainer for a new one, or scan the QR code in the room.', { extra: { expiredAt: row.expires_at.toISOString() } });
        const spent = await trx.updateTable('signing_links').set({ used_at: now }).where('token_hash', '=', tokenHash).where('used_at', 'is', null).returning('token_hash').executeTakeFirst();
        if (!spent) throw invalidLink();
      },
    });
  });
  if (result.event) publishAttendanceEvent(result.event);
  return result.proof;
}

