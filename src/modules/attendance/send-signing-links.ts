import type { Config } from '../../config.ts';
import type { Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import { enqueueMail } from '../../platform/mail/enqueue-mail.ts';
import { assertNotCancelled, assertSheetOpen, getSessionForActor } from './attendance-session.ts';
import { createSigningLink, signingLinkExpiry } from './create-signing-link.ts';
import { ensureSheet } from './ensure-sheet.ts';
import { renderSigningLinkMail } from './signing-link-mail.ts';

/**
 * Creates and mails a personal signing link now to the learners of a session
 * who have neither signed nor been marked (all of them, or those in
 * `personIds`): a learner the trainer marked — absent, excused, or present on
 * their behalf — gets no link, as the trainer's word is already on the sheet.
 * Staff or a trainer of the session. Links, mails and the audit event in one
 * transaction.
 */
export async function sendSigningLinks(deps: { db: Db; clock: Clock; config: Pick<Config, 'publicUrl'> }, ctx: Ctx, sessionId: string, input: { personIds?: string[] | undefined }) {
  return withTenant(deps.db, ctx.actor.organisationId, async (trx) => {
    const loaded = await getSessionForActor(trx, ctx.actor, sessionId, 'manage', 'send its signing links');
    const { session, organisation, settings, window } = loaded;
    assertNotCancelled(session);
    if (!settings.methods.link) throw new AppError('signing_method_disabled', 'Signing by personal link is disabled for this program.');
    await ensureSheet(trx, sessionId);
    await assertSheetOpen(trx, sessionId);
    const rows = await trx
      .selectFrom('attendance_records as r')
      .innerJoin('people as p', (j) => j.onRef('p.organisation_id', '=', 'r.organisation_id').onRef('p.id', '=', 'r.person_id'))
      .select(['r.person_id', 'r.signature_id', 'r.status', 'p.email', 'p.given_name', 'p.family_name', 'p.locale', 'p.archived_at'])
      .where('r.session_id', '=', sessionId)
      .where('r.role', '=', 'learner')
      .execute();
    const byId = new Map(rows.map((r) => [r.person_id, r]));
    if (input.personIds) {
      const errors = input.personIds.flatMap((id, i) => (byId.has(id) ? [] : [problemItem(`body.personIds.${i}`, 'not_a_learner_here')]));
      if (errors.length) throw new AppError('validation_failed', errors.map((e) => `${e.path} ${e.message}`).join('; '), { errors });
    }
    const asked = input.personIds ? [...new Set(input.personIds)].map((id) => byId.get(id)!) : rows;
    const unsigned = asked.filter((r) => r.signature_id === null && !r.archived_at);
    const targets = unsigned.filter((r) => r.status === 'pending');
    const now = deps.clock.now();
    const expiresAt = signingLinkExpiry(now, window, settings.signingLinkTtlHours);
    const title = [session.program_title, session.module_title].filter(Boolean).join(' — ');
    const sent: { personId: string; email: string; expiresAt: string }[] = [];
    for (const target of targets) {
      const link = await createSigningLink(trx, { organisationId: organisation.id, sessionId, personId: target.person_id, expiresAt, publicUrl: deps.config.publicUrl });
      const mail = renderSigningLinkMail({ locale: target.locale ?? organisation.locale, givenName: target.given_name, organisationName: organisation.name, sessionTitle: title, startsAt: session.starts_at, link: link.url, expiresAt, timezone: organisation.timezone });
      await enqueueMail(trx, { organisationId: organisation.id, to: target.email, ...mail });
      sent.push({ personId: target.person_id, email: target.email, expiresAt: expiresAt.toISOString() });
    }
    await recordAuditEvent(trx, ctx, { type: 'attendance.signing_links_sent', subjectType: 'session', subjectId: sessionId, payload: { sessionId, count: sent.length } });
    const skippedMarked = unsigned.length - targets.length;
    return { sent: sent.length, skippedSigned: (input.personIds ? input.personIds.length : rows.length) - sent.length - skippedMarked, skippedMarked, links: sent };
  });
}
