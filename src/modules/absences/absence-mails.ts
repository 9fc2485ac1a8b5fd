import type { Tx } from '../../platform/db/tenant.ts';
import { enqueueMail } from '../../platform/mail/enqueue-mail.ts';
import { describeSession, type MailLocale, renderNotificationMail, type SessionForMail } from '../reminders/notify-mail.ts';

/** The organisation and person a mail is for, with the locale to write in (the person's, else the organisation's). */
export async function getMailRecipient(trx: Tx, personId: string) {
  const row = await trx
    .selectFrom('people as p')
    .innerJoin('organisations as o', 'o.id', 'p.organisation_id')
    .select(['p.id', 'p.email', 'p.given_name', 'p.locale as person_locale', 'p.archived_at', 'o.id as organisation_id', 'o.name as organisation_name', 'o.timezone', 'o.locale as organisation_locale'])
    .where('p.id', '=', personId)
    .executeTakeFirst();
  if (!row) return null;
  return { ...row, locale: (row.person_locale ?? row.organisation_locale) as MailLocale };
}
export type MailRecipient = NonNullable<Awaited<ReturnType<typeof getMailRecipient>>>;

const REVIEW_COPY = {
  fr: {
    subject: (accepted: boolean) => (accepted ? "Votre justificatif d'absence est accepté" : "Votre justificatif d'absence est refusé"),
    body: (accepted: boolean) => (accepted ? 'Votre justificatif a été accepté. Ces absences sont désormais excusées :' : "Votre justificatif n'a pas été accepté. Ces absences restent non justifiées :"),
    note: (n: string) => `Commentaire : ${n}`,
    footer: (org: string) => `${org} — message envoyé par Emarge.`,
  },
  en: {
    subject: (accepted: boolean) => (accepted ? 'Your absence justification was accepted' : 'Your absence justification was refused'),
    body: (accepted: boolean) => (accepted ? 'Your justification was accepted. These absences are now excused:' : 'Your justification was not accepted. These absences remain unjustified:'),
    note: (n: string) => `Comment: ${n}`,
    footer: (org: string) => `${org} — sent by Emarge.`,
  },
} as const;

/** Tells the learner the decision on their justification, in their language, sessions written in the organisation's zone. */
export async function enqueueJustificationReviewedMail(trx: Tx, to: MailRecipient, input: { accepted: boolean; note: string | null; sessions: SessionForMail[] }) {
  const c = REVIEW_COPY[to.locale];
  const mail = renderNotificationMail({
    locale: to.locale,
    subject: c.subject(input.accepted),
    givenName: to.given_name,
    paragraphs: [c.body(input.accepted), ...input.sessions.map((s) => `• ${describeSession(s, to.locale, to.timezone)}`), ...(input.note ? [c.note(input.note)] : [])],
    footer: c.footer(to.organisation_name),
  });
  await enqueueMail(trx, { organisationId: to.organisation_id, to: to.email, ...mail });
}
