import type { Config } from '../../config.ts';
import { recordAuditEvent } from '../audit/record-audit-event.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { withTenant } from '../db/tenant.ts';
import { AppError } from '../errors/app-error.ts';
import type { RequestMeta } from './actor.ts';
import type { SessionInfo } from './auth.schemas.ts';
import { createSession } from './create-session.ts';
import { verifyPassword } from './password.ts';
import { getSessionInfo } from './session-info.ts';
import { hashToken } from './tokens.ts';

export interface SignInInput {
  email: string;
  password: string;
  organisation?: string;
}

export interface SignedIn {
  token: string;
  info: SessionInfo;
}

type Deps = { db: Db; clock: Clock; config: Pick<Config, 'sessionTtlHours'> };

/**
 * Email + password sign-in. The answer is the same `invalid_credentials`
 * whether the email is unknown, has no password, or the password is wrong, and
 * a password is always hashed, so neither the answer nor its timing tells
 * which. When the email belongs to several organisations, the password is
 * checked in each: if it opens exactly one, that one is used; if it opens
 * several and no `organisation` slug was given, the answer is 409
 * `organisation_ambiguous` listing those organisations (which the caller has
 * just proved access to, so nothing secret). A failed attempt on a known email
 * is recorded in the audit log of the one organisation it was aimed at (see
 * failureTarget), never in another's.
 */
export async function signIn(deps: Deps, input: SignInInput, meta: RequestMeta, previousToken?: string): Promise<SignedIn> {
  const { db } = deps;
  // Cross-organisation lookup by email: no tenant is known yet.
  let q = db
    .selectFrom('people as p')
    .innerJoin('organisations as o', 'o.id', 'p.organisation_id')
    .select(['p.organisation_id', 'p.id', 'p.password_hash', 'o.slug', 'o.name'])
    .where('p.email', '=', input.email)
    .where('p.archived_at', 'is', null)
    .orderBy('o.slug')
    .limit(20);
  if (input.organisation) q = q.where('o.slug', '=', input.organisation);
  const candidates = await q.execute();

  const matches: typeof candidates = [];
  if (candidates.length === 0) await verifyPassword(null, input.password);
  for (const c of candidates) {
    if (await verifyPassword(c.password_hash, input.password)) matches.push(c);
  }

  if (matches.length === 0) {
    const c = failureTarget(candidates);
    if (c) {
      await withTenant(db, c.organisation_id, (trx) =>
        recordAuditEvent(trx, { actor: { kind: 'system', organisationId: c.organisation_id }, meta }, {
          type: 'auth.sign_in_failed',
          subjectType: 'person',
          subjectId: c.id,
          payload: { email: input.email, reason: c.password_hash ? 'wrong_password' : 'no_password' },
        }),
      );
    }
    throw new AppError('invalid_credentials', 'Email or password is incorrect.');
  }
  if (matches.length > 1) {
    throw new AppError('organisation_ambiguous', 'This email belongs to several organisations: choose one and send its slug as "organisation".', {
      extra: { organisations: matches.map((m) => ({ slug: m.slug, name: m.name })) },
    });
  }

  const person = matches[0]!;
  if (previousToken) {
    // Replace, not pile up: the browser's previous session (if any) ends here.
    await db.deleteFrom('auth_sessions').where('token_hash', '=', hashToken(previousToken)).execute();
  }
  return withTenant(db, person.organisation_id, async (trx) => {
    const session = await createSession(trx, {
      organisationId: person.organisation_id,
      personId: person.id,
      method: 'password',
      meta,
      clock: deps.clock,
      ttlHours: deps.config.sessionTtlHours,
    });
    const info = await getSessionInfo(trx, { organisationId: person.organisation_id, personId: person.id, csrfToken: session.csrfToken, expiresAt: session.expiresAt });
    await recordAuditEvent(trx, { actor: { kind: 'person', organisationId: person.organisation_id, personId: person.id, roles: info.person.roles, method: 'password', csrfToken: session.csrfToken }, meta }, {
      type: 'auth.signed_in',
      subjectType: 'person',
      subjectId: person.id,
      payload: { method: 'password' },
    });
    return { token: session.token, info };
  });
}

/**
 * The organisation whose audit log records a failed sign-in, or null. One
 * email can be a person in several organisations, and any admin can create a
 * person with any email: recording the failure (IP, user agent, time) in each
 * of them would show one organisation another's sign-in attempts. So a failure
 * is recorded only where it was aimed: the organisation named by its slug;
 * otherwise the only one where this email has a password (a password can open
 * nothing else); otherwise, when none has one, the only one where the email
 * exists. An attempt that could have been aimed at several organisations is
 * recorded in none of their logs (the per-email and per-address rate limits
 * still count it).
 */
function failureTarget<C extends { password_hash: string | null }>(candidates: readonly C[]): C | null {
  // A slug names one organisation: then there is one candidate at most.
  if (candidates.length === 1) return candidates[0]!;
  const withPassword = candidates.filter((c) => c.password_hash);
  return withPassword.length === 1 ? withPassword[0]! : null;
}
