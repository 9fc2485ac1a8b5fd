/** A message ready to hand to a transport. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** Sends mail somewhere: SMTP in production (nodemailer), nothing when no SMTP_URL is set (the outbox keeps it). */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}
