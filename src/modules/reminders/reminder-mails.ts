import type { RenderedMail } from '../../platform/mail/magic-link-mail.ts';
import { formatInZone } from '../../platform/mail/magic-link-mail.ts';
import { describeSession, type MailLocale, renderNotificationMail, type SessionForMail, timeInZone } from './notify-mail.ts';

interface Common {
  locale: MailLocale;
  givenName: string;
  organisationName: string;
  timezone: string;
  session: SessionForMail;
}

const footer = (locale: MailLocale, org: string) => (locale === 'fr' ? `${org} — message envoyé par Emarge.` : `${org} — sent by Emarge.`);

/** Before the start: the session, and the personal signing link (or, without one, how to sign in the room). */
export function renderBeforeStartMail(input: Common & { link: { url: string; expiresAt: Date } | null }): RenderedMail {
  const { locale: l, timezone: tz } = input;
  const start = timeInZone(input.session.startsAt, l, tz);
  const fr = l === 'fr';
  return renderNotificationMail({
    locale: l,
    subject: fr ? `Votre session commence à ${start}` : `Your session starts at ${start}`,
    givenName: input.givenName,
    paragraphs: [
      describeSession(input.session, l, tz),
      input.link
        ? fr
          ? `Pensez à signer la feuille d'émargement avec votre lien personnel (il ne sert qu'une fois et expire le ${formatInZone(input.link.expiresAt, l, tz)}) :`
          : `Remember to sign the attendance sheet with your personal link (it works once and expires on ${formatInZone(input.link.expiresAt, l, tz)}):`
        : fr
          ? "Pensez à signer la feuille d'émargement sur place (QR code projeté par le formateur)."
          : 'Remember to sign the attendance sheet in the room (QR code shown by the trainer).',
    ],
    link: input.link ? { url: input.link.url, label: fr ? 'Signer ma présence' : 'Sign my attendance' } : undefined,
    footer: footer(l, input.organisationName),
  });
}

/** After the start, to learners who have not signed: a fresh link. */
export function renderNonSignerMail(input: Common & { link: { url: string; expiresAt: Date } | null }): RenderedMail {
  const { locale: l, timezone: tz } = input;
  const fr = l === 'fr';
  return renderNotificationMail({
    locale: l,
    subject: fr ? "Vous n'avez pas encore signé la feuille d'émargement" : 'You have not signed the attendance sheet yet',
    givenName: input.givenName,
    paragraphs: [
      fr ? `La session a commencé à ${timeInZone(input.session.startsAt, l, tz)} et votre signature manque :` : `The session started at ${timeInZone(input.session.startsAt, l, tz)} and your signature is missing:`,
      describeSession(input.session, l, tz),
      ...(input.link
        ? [fr ? `Voici un nouveau lien personnel (expire le ${formatInZone(input.link.expiresAt, l, tz)}) :` : `Here is a new personal link (expires on ${formatInZone(input.link.expiresAt, l, tz)}):`]
        : [fr ? 'Signez sur place avec le QR code projeté par le formateur.' : 'Sign in the room with the QR code shown by the trainer.']),
      fr ? "Si vous êtes absent(e), vous pourrez justifier votre absence depuis Emarge." : 'If you are absent, you can justify your absence in Emarge.',
    ],
    link: input.link ? { url: input.link.url, label: fr ? 'Signer ma présence' : 'Sign my attendance' } : undefined,
    footer: footer(l, input.organisationName),
  });
}

/** After the end, to trainers whose sheet is not locked. */
export function renderTrainerLockMail(input: Common & { url: string; trainerSigned: boolean; missing: number }): RenderedMail {
  const { locale: l, timezone: tz } = input;
  const fr = l === 'fr';
  return renderNotificationMail({
    locale: l,
    subject: fr ? "Signez et verrouillez la feuille d'émargement" : 'Sign and lock the attendance sheet',
    givenName: input.givenName,
    paragraphs: [
      fr ? `La session s'est terminée à ${timeInZone(input.session.endsAt, l, tz)} et sa feuille n'est pas verrouillée :` : `The session ended at ${timeInZone(input.session.endsAt, l, tz)} and its sheet is not locked:`,
      describeSession(input.session, l, tz),
      ...(input.trainerSigned ? [] : [fr ? "Votre signature de formateur manque." : 'Your trainer signature is missing.']),
      ...(input.missing > 0
        ? [fr ? `${input.missing} apprenant(s) n'ont pas signé : ils seront notés absents au verrouillage.` : `${input.missing} learner(s) have not signed: they will be marked absent when you lock.`]
        : []),
    ],
    link: { url: input.url, label: fr ? 'Ouvrir la feuille' : 'Open the sheet' },
    footer: footer(l, input.organisationName),
  });
}

/** The evening of an unjustified absence: a request to justify it. */
export function renderAbsenceRequestMail(input: Common & { url: string }): RenderedMail {
  const { locale: l, timezone: tz } = input;
  const fr = l === 'fr';
  return renderNotificationMail({
    locale: l,
    subject: fr ? 'Absence à justifier' : 'Absence to justify',
    givenName: input.givenName,
    paragraphs: [
      fr ? 'Vous avez été noté(e) absent(e) à cette session :' : 'You were marked absent from this session:',
      describeSession(input.session, l, tz),
      fr
        ? 'Si votre absence a un motif (maladie, transport…), justifiez-la en joignant un document (PDF, JPEG ou PNG, 10 Mo au plus) :'
        : 'If your absence had a reason (illness, transport…), justify it with a document (PDF, JPEG or PNG, up to 10 MB):',
    ],
    link: { url: input.url, label: fr ? 'Justifier mon absence' : 'Justify my absence' },
    footer: footer(l, input.organisationName),
  });
}

/** To a manager: a learner's attendance fell below the threshold. */
export function renderAttendanceAlertMail(input: {
  locale: MailLocale;
  givenName: string;
  organisationName: string;
  learnerName: string;
  cohortName: string;
  programTitle: string;
  attended: number;
  held: number;
  excused: number;
  threshold: number;
  url: string;
}): RenderedMail {
  const l = input.locale;
  const fr = l === 'fr';
  const pct = (x: number) => `${Math.round(x * 1000) / 10}${fr ? ' %' : '%'}`;
  const rate = input.held ? input.attended / input.held : 0;
  return renderNotificationMail({
    locale: l,
    subject: fr ? `Assiduité en baisse : ${input.learnerName} (${pct(rate)})` : `Attendance below threshold: ${input.learnerName} (${pct(rate)})`,
    givenName: input.givenName,
    paragraphs: [
      fr
        ? `L'assiduité de ${input.learnerName} (${input.cohortName}, ${input.programTitle}) est de ${pct(rate)} : ${input.attended} session(s) suivie(s) sur ${input.held}, sous le seuil de ${pct(input.threshold)}.`
        : `${input.learnerName}'s attendance (${input.cohortName}, ${input.programTitle}) is ${pct(rate)}: ${input.attended} of ${input.held} session(s) attended, below the ${pct(input.threshold)} threshold.`,
      fr
        ? `Calcul : sessions où l'apprenant est présent, en retard ou parti plus tôt, divisées par les sessions tenues ; les ${input.excused} absence(s) excusée(s) ne sont pas comptées dans les sessions tenues.`
        : `How it is computed: sessions where the learner was present, late or left early, divided by the sessions held; the ${input.excused} excused absence(s) are not counted among the sessions held.`,
      fr ? "Vous ne recevrez pas d'autre alerte pour cet apprenant tant que son assiduité ne sera pas repassée au-dessus du seuil." : 'You will not get another alert for this learner unless their attendance recovers above the threshold and falls again.',
    ],
    link: { url: input.url, label: fr ? 'Voir la cohorte' : 'Open the cohort' },
    footer: footer(l, input.organisationName),
  });
}
