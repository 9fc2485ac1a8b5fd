import { TZDate } from '@date-fns/tz';
import type { Config } from '../../config.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { enqueueMail } from '../../platform/mail/enqueue-mail.ts';
import type { MailLocale } from '../../platform/mail/magic-link-mail.ts';
import { ensureSheet } from '../attendance/ensure-sheet.ts';
import { claimReminder, findSessionsBetween, findSheetPeople, getOrganisationForJob } from '../reminders/reminder.repository.ts';
import { renderAbsenceRequestMail } from '../reminders/reminder-mails.ts';

/** Absences older than this are not asked about any more (a server down for a day still catches up). */
const HORIZON_MS = 48 * 3600_000;

/** The instant of a local wall-clock time on a local date in a zone. */
export function localTimeOn(date: string, time: string, timezone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi] = time.split(':').map(Number) as [number, number];
  return new Date(new TZDate(y, m - 1, d, h, mi, 0, timezone).getTime());
}

/**
 * The evening request to justify an absence ('absences.request' job): once
 * the organisation's `absenceRequest.localTime` (default 19:00, in its zone)
 * has passed on the day of a session, each learner recorded absent (the
 * sheet was locked), or still unsigned once the signing window closed, gets
 * one mail with a link to justify it — unless that session is already
 * excused or covered by a pending or accepted justification.
 */
export async function sendAbsenceRequests(deps: { db: Db; clock: Clock; config: Pick<Config, 'publicUrl'> }, organisationId: string): Promise<{ requested: number }> {
  const now = deps.clock.now();
  let requested = 0;
  await withTenant(deps.db, organisationId, async (trx) => {
    const org = await getOrganisationForJob(trx, organisationId);
    if (!org) return;
    const sessions = await findSessionsBetween(trx, org.settings, new Date(now.getTime() - HORIZON_MS), now);
    for (const s of sessions) {
      const { enabled, localTime } = s.settings.absenceRequest;
      if (!enabled || s.ends_at > now) continue;
      if (now < localTimeOn(s.date, localTime, org.timezone)) continue;
      const windowClosed = now.getTime() >= s.ends_at.getTime() + s.settings.windowClosesMinutesAfterEnd * 60_000;
      if (s.sheet_status !== 'locked' && !windowClosed) continue;
      await ensureSheet(trx, s.id);
      const covered = new Set(
        (
          await trx
            .selectFrom('absence_justification_sessions as js')
            .innerJoin('absence_justifications as j', (jn) => jn.onRef('j.organisation_id', '=', 'js.organisation_id').onRef('j.id', '=', 'js.justification_id'))
            .select('j.person_id')
            .where('js.session_id', '=', s.id)
            .where('j.status', 'in', ['pending', 'accepted'])
            .execute()
        ).map((r) => r.person_id),
      );
      for (const p of await findSheetPeople(trx, s.id, 'learner')) {
        if (!(p.status === 'absent' || (p.status === 'pending' && windowClosed)) || covered.has(p.person_id)) continue;
        if (!(await claimReminder(trx, organisationId, 'absence_request', s.id, p.person_id, now))) continue;
        const url = `${deps.config.publicUrl.replace(/\/+$/, '')}/absences/justify?session=${encodeURIComponent(s.id)}`;
        const mail = renderAbsenceRequestMail({
          locale: (p.locale ?? org.locale) as MailLocale,
          givenName: p.given_name,
          organisationName: org.name,
          timezone: org.timezone,
          session: { startsAt: s.starts_at, endsAt: s.ends_at, programTitle: s.program_title, moduleTitle: s.module_title, location: s.location },
          url,
        });
        await enqueueMail(trx, { organisationId, to: p.email, ...mail });
        requested++;
      }
    }
  });
  return { requested };
}
