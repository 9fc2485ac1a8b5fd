import { escapeHtml } from '../../platform/mail/magic-link-mail.ts';

/** The mail carrying a personal questionnaire link (FR/EN); a reminder says so. */
export function renderInvitationMail(input: { locale: 'fr' | 'en'; organisationName: string; title: string; url: string; closesAt: string | null; reminder: boolean }) {
  const fr = input.locale === 'fr';
  const subject = fr
    ? `${input.reminder ? 'Rappel : ' : ''}${input.title} — votre avis compte`
    : `${input.reminder ? 'Reminder: ' : ''}${input.title} — your answers count`;
  const lines = fr
    ? [
        'Bonjour,',
        '',
        `${input.organisationName} vous invite à répondre au questionnaire « ${input.title} ».`,
        'Ce lien vous est personnel : vous pouvez enregistrer vos réponses et reprendre plus tard.',
        input.url,
        ...(input.closesAt ? [`Le questionnaire ferme le ${input.closesAt}.`] : []),
        '',
        'Merci !',
      ]
    : [
        'Hello,',
        '',
        `${input.organisationName} invites you to answer the questionnaire "${input.title}".`,
        'This link is yours alone: you can save your answers and come back later.',
        input.url,
        ...(input.closesAt ? [`The questionnaire closes on ${input.closesAt}.`] : []),
        '',
        'Thank you!',
      ];
  const text = lines.join('\n');
  const html = lines.map((l) => (l === input.url ? `<p><a href="${escapeHtml(l)}">${escapeHtml(l)}</a></p>` : `<p>${escapeHtml(l)}</p>`)).join('');
  return { subject, text, html };
}
