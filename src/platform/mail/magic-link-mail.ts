export type MailLocale = 'fr' | 'en';

export interface MagicLinkMailInput {
  locale: MailLocale;
  givenName: string;
  organisationName: string;
  link: string;
  expiresAt: Date;
  /** IANA zone of the organisation: the expiry is written in it, with its name. */
  timezone: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** "lundi 2 mars 2026 à 08:30 (Europe/Paris)" / "Monday 2 March 2026 at 08:30 (Europe/Paris)". */
export function formatInZone(date: Date, locale: MailLocale, timezone: string): string {
  const formatted = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', {
    dateStyle: 'full',
    timeStyle: 'short',
    timeZone: timezone,
  }).format(date);
  return `${formatted} (${timezone})`;
}

const COPY = {
  fr: {
    subject: (org: string) => `Votre lien de connexion à ${org}`,
    greeting: (name: string) => `Bonjour ${name},`,
    intro: (org: string) => `Pour vous connecter à Emarge (${org}), ouvrez ce lien :`,
    button: 'Me connecter',
    expiry: (when: string) => `Ce lien ne sert qu'une fois et expire le ${when}.`,
    ignore: "Si vous n'avez rien demandé, ignorez ce message : personne ne peut se connecter sans ce lien.",
  },
  en: {
    subject: (org: string) => `Your sign-in link for ${org}`,
    greeting: (name: string) => `Hello ${name},`,
    intro: (org: string) => `To sign in to Emarge (${org}), open this link:`,
    button: 'Sign in',
    expiry: (when: string) => `This link works once and expires on ${when}.`,
    ignore: 'If you did not ask for it, ignore this message: nobody can sign in without this link.',
  },
} as const;

/** The magic-link mail, plain text and simple HTML, in the recipient's language. */
export function renderMagicLinkMail(input: MagicLinkMailInput): RenderedMail {
  const c = COPY[input.locale];
  const when = formatInZone(input.expiresAt, input.locale, input.timezone);
  const text = [c.greeting(input.givenName), '', c.intro(input.organisationName), '', input.link, '', c.expiry(when), '', c.ignore, ''].join('\n');
  const e = escapeHtml;
  const html = `<!doctype html>
<html lang="${input.locale}"><body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1a1a1a;">
<p>${e(c.greeting(input.givenName))}</p>
<p>${e(c.intro(input.organisationName))}</p>
<p><a href="${e(input.link)}" style="display: inline-block; padding: 10px 18px; background: #1c4e80; color: #ffffff; text-decoration: none; border-radius: 4px;">${e(c.button)}</a></p>
<p style="font-size: 13px; color: #444;">${e(input.link)}</p>
<p>${e(c.expiry(when))}</p>
<p style="font-size: 13px; color: #666;">${e(c.ignore)}</p>
</body></html>
`;
  return { subject: c.subject(input.organisationName), text, html };
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}
