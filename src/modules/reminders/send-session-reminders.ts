import type { Config } from '../../config.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { enqueueMail } from '../../platform/mail/enqueue-mail.ts';
import type { MailLocale } from '../../platform/mail/magic-link-mail.ts';
import { createSigningLink, signingLinkExpiry } from '../attendance/create-signing-link.ts';
import { signingWindowOf } from '../attendance/signing-window.ts';
import { ensureSheet } from '../attendance/ensure-sheet.ts';
import { claimReminder, findSessionsBetween, findSheetPeople, getOrganisationForJob, type ReminderSession } from './reminder.repository.ts';
import { renderBeforeStartMail, renderNonSignerMail, renderTrainerLockMail } from './reminder-mails.ts';

const MIN = 60_000;
/** How far back a missed reminder is still worth sending (a server down for a while catches up within this). */
const TRAINER_REMINDER_HORIZON_MS = 24 * 3600_000;

export interface SessionReminderReport {
  beforeStart: number;
  nonSigners: number;
  trainers: number;
}

/**
 * One reminders pass for an organisation (the 'reminders.tick' job, every
 * minute), each mail sent once thanks to reminder_sends:
 * - from `beforeStartMinutes` before the start, each learner who has not signed
 *   gets the session and a personal signing link (until the non-signer time);
 * - from `nonSignersAfterStartMinutes` after the start until the end, learners
 *   still unsigned get a reminder with a fresh link;
 * - from `trainerAfterEndMinutes` after the end, for a day, the session's
 *   trainers are reminded to sign and lock while the sheet is not locked.
 * Mails are in the person's language (else the organisation's), times with the zone.
 */
export async function sendSessionReminders(deps: { db: Db; clock: Clock; config: Pick<Config, 'publicUrl'> }, organisationId: string): Promise<SessionReminderReport> {
  const now = deps.clock.now();
  const report: SessionReminderReport = { beforeStart: 0, nonSigners: 0, trainers: 0 };
  await withTenant(deps.db, organisationId, async (trx) => {
    const org = await getOrganisationForJob(trx, organisationId);
    if (!org) return;
    const sessions = await findSessionsBetween(trx, org.settings, new Date(now.getTime() - TRAINER_REMINDER_HORIZON_MS - 24 * 3600_000), new Date(now.getTime() + 24 * 3600_000));
    for (const s of sessions) {
      const r = s.settings.reminders;
      if (!r.enabled) continue;
      const start = s.starts_at.getTime();
      const end = s.ends_at.getTime();
      const t = now.getTime();
      const nonSignerAt = start + r.nonSignersAfterStartMinutes * MIN;
      const beforeStart = t >= start - r.beforeStartMinutes * MIN && t < nonSignerAt && t < end;
      const nonSigner = t >= nonSignerAt && t < end && s.sheet_status !== 'locked';
      const trainerAt = end + r.trainerAfterEndMinutes * MIN;
      const trainer = t >= trainerAt && t < trainerAt + TRAINER_REMINDER_HORIZON_MS && s.sheet_status !== 'locked';
      if (!beforeStart && !nonSigner && !trainer) continue;
      await ensureSheet(trx, s.id);
      const common = { organisationName: org.name, timezone: org.timezone, session: { startsAt: s.starts_at, endsAt: s.ends_at, programTitle: s.program_title, moduleTitle: s.module_title, location: s.location } };
      const localeOf = (p: { locale: string | null }) => (p.locale ?? org.locale) as MailLocale;

      if (beforeStart || nonSigner) {
        const kind = beforeStart ? 'before_start' : 'non_signer';
        for (const p of await findSheetPeople(trx, s.id, 'learner')) {
          if (p.status !== 'pending') continue;
          if (!(await claimReminder(trx, organisationId, kind, s.id, p.person_id, now))) continue;
          const link = await linkFor(trx, deps.config.publicUrl, organisationId, s, p.person_id, now);
          const render = beforeStart ? renderBeforeStartMail : renderNonSignerMail;
          const mail = render({ ...common, locale: localeOf(p), givenName: p.given_name, link });
          await enqueueMail(trx, { organisationId, to: p.email, ...mail });
          if (beforeStart) report.beforeStart++;
          else report.nonSigners++;
        }
      }
      if (trainer) {
        const learners = await findSheetPeople(trx, s.id, 'learner');
        const missing = learners.filter((p) => p.status === 'pending').length;
        for (const p of await findSheetPeople(trx, s.id, 'trainer')) {
          if (!(await claimReminder(trx, organisationId, 'trainer_lock', s.id, p.person_id, now))) continue;
          const url = `${deps.config.publicUrl.replace(/\/+$/, '')}/sessions/${s.id}/live`;
          const mail = renderTrainerLockMail({ ...common, locale: localeOf(p), givenName: p.given_name, url, trainerSigned: p.signature_id !== null, missing });
          await enqueueMail(trx, { organisationId, to: p.email, ...mail });
          report.trainers++;
        }
      }
    }
  });
  return report;
}

/** A fresh personal signing link when signing by link is enabled; valid `signingLinkTtlHours` and at least until the signing window closes. */
async function linkFor(trx: Parameters<typeof createSigningLink>[0], publicUrl: string, organisationId: string, s: ReminderSession, personId: string, now: Date) {
  if (!s.settings.methods.link) return null;
  const expiresAt = signingLinkExpiry(now, signingWindowOf(s, s.settings), s.settings.signingLinkTtlHours);
  const { url } = await createSigningLink(trx, { organisationId, sessionId: s.id, personId, expiresAt, publicUrl });
  return { url, expiresAt };
}
