import nodemailer from 'nodemailer';
import type { Config } from '../../config.ts';
import type { MailTransport } from './mail-transport.ts';

/**
 * The SMTP transport (nodemailer) when SMTP_URL is set, e.g.
 * `smtp://user:pass@mail.example.org:587` (STARTTLS when offered) or
 * `smtps://…:465`; null otherwise, and mail then stays readable in the outbox.
 */
export function createMailTransport(config: Pick<Config, 'smtpUrl'>): MailTransport | null {
  if (!config.smtpUrl) return null;
  const transporter = nodemailer.createTransport({
    url: config.smtpUrl,
    // Fail fast: a stuck server must not hold a delivery pass for minutes.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    async send(mail) {
      await transporter.sendMail({ from: mail.from, to: mail.to, subject: mail.subject, text: mail.text, ...(mail.html ? { html: mail.html } : {}) });
    },
    async close() {
      transporter.close();
    },
  };
}
