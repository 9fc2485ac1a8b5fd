import { escapeHtml, formatInZone, type MailLocale, type RenderedMail } from '../../platform/mail/magic-link-mail.ts';

export interface SigningLinkMailInput {
  locale: MailLocale;
  givenName: string;
  organisationName: string;
  sessionTitle: string;
  startsAt: Date;
  link: string;
  expiresAt: Date;
  timezone: string;
}

const COPY = {
  fr: {
    subject: (title: string, when: string) => `Émargement : ${title}, ${when}`,
    greeting: (name: string) => `Bonjour ${name},`,
    intro: (org: string, title: string, when: string) => `${org} vous invite à signer la feuille d'émargement de la session « ${title} » du ${when}.`,
    button: 'Signer ma présence',
    expiry: (when: string) => `Ce lien est personnel : ne le transférez pas. Il ne sert qu'une fois et expire le ${when}. La signature n'est possible que pendant la session.`,
  },
  en: {
    subject: (title: string, when: string) => `Attendance: ${title}, ${when}`,
    greeting: (name: string) => `Hello ${name},`,
    intro: (org: string, title: string, when: string) => `${org} invites you to sign the attendance sheet of "${title}" on ${when}.`,
    button: 'Sign my attendance',
    expiry: (when: string) => `This link is personal: do not forward it. It works once and expires on ${when}. Signing is only possible during the session.`,
  },
} as const;

/** The signing-link mail, plain text and simple HTML, in the recipient's language; times carry the zone. */
export function renderSigningLinkMail(input: SigningLinkMailInput): RenderedMail {
  const c = COPY[input.locale];
  const when = formatInZone(input.startsAt, input.locale, input.timezone);
  const expires = formatInZone(input.expiresAt, input.locale, input.timezone);
  const text = [c.greeting(input.givenName), '', c.intro(input.organisationName, input.sessionTitle, when), '', input.link, '', c.expiry(expires), ''].join('\n');
  const e = escapeHtml;
  const html = `<!doctype html>
<html lang="${input.locale}"><body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1a1a1a;">
<p>${e(c.greeting(input.givenName))}</p>
<p>${e(c.intro(input.organisationName, input.sessionTitle, when))}</p>
<p><a href="${e(input.link)}" style="display: inline-block; padding: 10px 18px; background: #1c4e80; color: #ffffff; text-decoration: none; border-radius: 4px;">${e(c.button)}</a></p>
<p style="font-size: 13px; color: #444;">${e(input.link)}</p>
<p>${e(c.expiry(expires))}</p>
</body></html>
`;
  return { subject: c.subject(input.sessionTitle, when), text, html };
}
