import type { Config } from '../../config.ts';
import { recordAuditEvent } from '../audit/record-audit-event.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { withTenant } from '../db/tenant.ts';
import { enqueueMail } from '../mail/enqueue-mail.ts';
import { renderMagicLinkMail } from '../mail/magic-link-mail.ts';
import type { RequestMeta } from './actor.ts';
import { hashToken, newToken } from './tokens.ts';

type Deps = { db: Db; clock: Clock; config: Pick<Config, 'magicLinkTtlMinutes' | 'publicUrl'> };

/** Two rows are enough to tell whether the email is a person in more than one organisation. */
const MAX_LINKS_PER_REQUEST = 2;

/**
 * Mails a single-use sign-in link to the person with this email, in the
 * organisation named by `organisation` or, when none is named, in the only
 * organisation where that email is an active person (an email that is a
 * person in several must name one: nothing is sent otherwise). The caller
 * always answers 202 whatever happened, so the endpoint does not reveal who
 * has an account. The link (stored as a hash), the mail and the audit event
 * are written in one transaction per organisation. Returns how many links
 * were issued, for the caller's own use (never sent to the client).
 */
export async function requestMagicLink(deps: Deps, input: { email: string; organisation?: string }, meta: RequestMeta): Promise<number> {
  const { db, clock, config } = deps;
  let q = db
    .selectFrom('people as p')
    .innerJoin('organisations as o', 'o.id', 'p.organisation_id')
    .select(['p.organisation_id', 'p.id', 'p.email', 'p.given_name', 'p.locale as person_locale', 'o.name', 'o.timezone', 'o.locale as organisation_locale'])
    .where('p.email', '=', input.email)
    .where('p.archived_at', 'is', null)
    .orderBy('o.slug')
    .limit(MAX_LINKS_PER_REQUEST);
  if (input.organisation) q = q.where('o.slug', '=', input.organisation);
  const found = await q.execute();
  // A link is issued in one organisation only: the one named, or the only one where this email is a person.
  // One email can be a person in several organisations (any admin can create a person with any email); a
  // request naming none of them is answered like an unknown email, so that no organisation's outbox and
  // audit log receive the requests (time, IP, user agent) meant for another.
  const people = found.length === 1 ? found : [];

  for (const person of people) {
    const token = newToken();
    const expiresAt = new Date(clock.now().getTime() + config.magicLinkTtlMinutes * 60_000);
    const link = `${config.publicUrl}/auth/magic?token=${token}`;
    const mail = renderMagicLinkMail({
      locale: person.person_locale ?? person.organisation_locale,
      givenName: person.given_name,
      organisationName: person.name,
      link,
      expiresAt,
      timezone: person.timezone,
    });
    await withTenant(db, person.organisation_id, async (trx) => {
      await trx
        .insertInto('magic_links')
        .values({ token_hash: hashToken(token), organisation_id: person.organisation_id, person_id: person.id, created_at: clock.now(), expires_at: expiresAt })
        .execute();
      await enqueueMail(trx, { organisationId: person.organisation_id, to: person.email, ...mail });
      await recordAuditEvent(trx, { actor: { kind: 'system', organisationId: person.organisation_id }, meta }, {
        type: 'auth.magic_link_requested',
        subjectType: 'person',
        subjectId: person.id,
        payload: { email: person.email },
      });
    });
  }
  return people.length;
}
