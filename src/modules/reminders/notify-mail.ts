import { escapeHtml, type MailLocale, type RenderedMail } from '../../platform/mail/magic-link-mail.ts';

export type { MailLocale } from '../../platform/mail/magic-link-mail.ts';

/** What a session looks like in a mail: "lundi 2 mars 2026, 09:00–12:30 (Europe/Paris) · Module · Program". */
export interface SessionForMail {
  startsAt: Date;
  endsAt: Date;
  programTitle: string;
  moduleTitle: string | null;
  location: string | null;
}

export function describeSession(s: SessionForMail, locale: MailLocale, timezone: string): string {
  const tag = locale === 'fr' ? 'fr-FR' : 'en-GB';
  const day = new Intl.DateTimeFormat(tag, { dateStyle: 'full', timeZone: timezone }).format(s.startsAt);
  const time = (d: Date) => new Intl.DateTimeFormat(tag, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: timezone }).format(d);
  const title = [s.moduleTitle, s.programTitle].filter(Boolean).join(' · ');
  return `${day}, ${time(s.startsAt)}–${time(s.endsAt)} (${timezone}) · ${title}${s.location ? ` · ${s.location}` : ''}`;
}

/** A time of day with its zone: "09:00 (Europe/Paris)". */
export function timeInZone(d: Date, locale: MailLocale, timezone: string): string {
  const t = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: timezone }).format(d);
  return `${t} (${timezone})`;
}

/**
 * A plain notification mail: greeting, paragraphs, an optional button link,
 * plain text and simple HTML in the recipient's language.
 */
export function renderNotificationMail(input: { locale: MailLocale; subject: string; givenName: string; paragraphs: string[]; link?: { url: string; label: string }; footer?: string }): RenderedMail {
  const greeting = input.locale === 'fr' ? `Bonjour ${input.givenName},` : `Hello ${input.givenName},`;
  const text = [greeting, '', ...input.paragraphs.flatMap((p) => [p, '']), ...(input.link ? [input.link.url, ''] : []), ...(input.footer ? [input.footer, ''] : [])].join('\n');
  const e = escapeHtml;
  const html = `<!doctype html>
<html lang="${input.locale}"><body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1a1a1a;">
<p>${e(greeting)}</p>
${input.paragraphs.map((p) => `<p>${e(p)}</p>`).join('\n')}
${input.link ? `<p><a href="${e(input.link.url)}" style="display: inline-block; padding: 10px 18px; background: #1c4e80; color: #ffffff; text-decoration: none; border-radius: 4px;">${e(input.link.label)}</a></p>\n<p style="font-size: 13px; color: #444;">${e(input.link.url)}</p>` : ''}
${input.footer ? `<p style="font-size: 13px; color: #666;">${e(input.footer)}</p>` : ''}
</body></html>
`;
  return { subject: input.subject, text, html };
}
