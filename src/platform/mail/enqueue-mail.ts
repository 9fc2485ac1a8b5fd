import type { Tx } from '../db/tenant.ts';

export interface MailToEnqueue {
  /** null only for mail that belongs to no organisation (none yet). */
  organisationId: string | null;
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/**
 * Records a mail as pending in the caller's transaction: the mail exists if and
 * only if the change that caused it commits. The dispatcher sends it afterwards.
 */
export async function enqueueMail(trx: Tx, mail: MailToEnqueue): Promise<{ id: string }> {
  return trx
    .insertInto('outbox_mails')
    .values({
      organisation_id: mail.organisationId,
      to_address: mail.to,
      subject: mail.subject,
      text_body: mail.text,
      html_body: mail.html ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}
