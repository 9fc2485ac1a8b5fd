import type { Config } from '../../config.ts';
import { recordAuditEvent } from '../audit/record-audit-event.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { withTenant } from '../db/tenant.ts';
import { AppError } from '../errors/app-error.ts';
import type { RequestMeta } from './actor.ts';
import { createSession } from './create-session.ts';
import { getSessionInfo } from './session-info.ts';
import type { SignedIn } from './sign-in.ts';
import { hashToken } from './tokens.ts';

type Deps = { db: Db; clock: Clock; config: Pick<Config, 'sessionTtlHours'> };

const invalid = () => new AppError('link_invalid', 'This sign-in link is invalid, expired or already used; ask for a new one.');

/**
 * Signs in with a magic link. The link is spent by one conditional UPDATE
 * (`used_at IS NULL AND expires_at > now`), so two simultaneous uses cannot
 * both succeed; the session and the audit event are written in that same
 * transaction.
 */
export async function consumeMagicLink(deps: Deps, token: string, meta: RequestMeta, previousToken?: string): Promise<SignedIn> {
  const { db, clock } = deps;
  const tokenHash = hashToken(token);
  // Which organisation: the token is the only thing we have (cross-tenant lookup).
  const link = await db.selectFrom('magic_links').select(['organisation_id']).where('token_hash', '=', tokenHash).executeTakeFirst();
  if (!link) throw invalid();
  if (previousToken) await db.deleteFrom('auth_sessions').where('token_hash', '=', hashToken(previousToken)).execute();

  return withTenant(db, link.organisation_id, async (trx) => {
    const now = clock.now();
    const spent = await trx
      .updateTable('magic_links')
      .set({ used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .where('purpose', '=', 'sign_in')
      .returning(['person_id'])
      .executeTakeFirst();
    if (!spent) throw invalid();
    const person = await trx
      .selectFrom('people')
      .select(['id', 'archived_at'])
      .where('id', '=', spent.person_id)
      .executeTakeFirst();
    if (!person || person.archived_at) throw invalid();
    const session = await createSession(trx, {
      organisationId: link.organisation_id,
      personId: person.id,
      method: 'magic_link',
      meta,
      clock,
      ttlHours: deps.config.sessionTtlHours,
    });
    const info = await getSessionInfo(trx, { organisationId: link.organisation_id, personId: person.id, csrfToken: session.csrfToken, expiresAt: session.expiresAt });
    await recordAuditEvent(trx, { actor: { kind: 'person', organisationId: link.organisation_id, personId: person.id, roles: info.person.roles, method: 'magic_link', csrfToken: session.csrfToken }, meta }, {
      type: 'auth.signed_in',
      subjectType: 'person',
      subjectId: person.id,
      payload: { method: 'magic_link' },
    });
    return { token: session.token, info };
  });
}
