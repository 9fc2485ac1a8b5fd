import { recordAuditEvent } from '../audit/record-audit-event.ts';
import type { Db } from '../db/database.ts';
import { withTenant } from '../db/tenant.ts';
import type { Actor, RequestMeta } from './actor.ts';
import { hashToken } from './tokens.ts';

/**
 * Ends the browser session: its row is deleted, so the cookie no longer works
 * even if kept. A signed-in person's sign-out is audited in the same
 * transaction; an unknown or expired cookie is simply cleaned up.
 */
export async function signOut(db: Db, token: string | undefined, actor: Actor | null, meta: RequestMeta): Promise<void> {
  if (!token) return;
  const tokenHash = hashToken(token);
  if (actor?.kind !== 'person') {
    await db.deleteFrom('auth_sessions').where('token_hash', '=', tokenHash).execute();
    return;
  }
  await withTenant(db, actor.organisationId, async (trx) => {
    const deleted = await trx.deleteFrom('auth_sessions').where('token_hash', '=', tokenHash).returning('person_id').executeTakeFirst();
    if (deleted) {
      await recordAuditEvent(trx, { actor, meta }, { type: 'auth.signed_out', subjectType: 'person', subjectId: actor.personId, payload: {} });
    }
  });
}
