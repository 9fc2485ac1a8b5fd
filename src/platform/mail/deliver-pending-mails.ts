import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { MailTransport } from './mail-transport.ts';

/** Attempts before a mail is marked failed. */
export const MAX_ATTEMPTS = 5;
/** How long a claimed mail stays reserved to the sender that claimed it. */
const CLAIM_LEASE_MS = 5 * 60_000;
const BATCH_SIZE = 20;

export interface DeliveryReport {
  sent: number;
  stored: number;
  retrying: number;
  failed: number;
}

/** Wait before the next attempt after `attempts` failures: 1, 2, 4, 8 minutes… capped at one hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(60 * 60_000, 60_000 * 2 ** Math.max(0, attempts - 1));
}

/**
 * One delivery pass over the outbox (all organisations: it runs as the system).
 * Without a transport, pending mails become `stored` (read them at GET /outbox).
 * With one, due mails are claimed in one statement (`FOR UPDATE SKIP LOCKED`,
 * plus a lease in `next_attempt_at`), so concurrent senders — several servers,
 * or a kick overlapping the timer — never send one mail twice; each is then
 * sent outside any transaction and marked `sent`, or rescheduled with backoff,
 * or `failed` after MAX_ATTEMPTS or a permanent (5xx) SMTP rejection.
 */
export async function deliverPendingMails(db: Db, transport: MailTransport | null, mailFrom: string, clock: Clock): Promise<DeliveryReport> {
  const report: DeliveryReport = { sent: 0, stored: 0, retrying: 0, failed: 0 };
  if (!transport) {
    const stored = await db.updateTable('outbox_mails').set({ status: 'stored' }).where('status', '=', 'pending').returning('id').execute();
    report.stored = stored.length;
    return report;
  }
  const now = clock.now();
  const claimed = await db
    .updateTable('outbox_mails')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: new Date(now.getTime() + CLAIM_LEASE_MS) }))
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('outbox_mails')
        .select('id')
        .where('status', '=', 'pending')
        .where((w) => w.or([w('next_attempt_at', 'is', null), w('next_attempt_at', '<=', now)]))
        .orderBy('created_at')
        .limit(BATCH_SIZE)
        .forUpdate()
        .skipLocked(),
    )
    .returning(['id', 'to_address', 'subject', 'text_body', 'html_body', 'attempts'])
    .execute();

  for (const mail of claimed) {
    try {
      await transport.send({ from: mailFrom, to: mail.to_address, subject: mail.subject, text: mail.text_body, ...(mail.html_body ? { html: mail.html_body } : {}) });
      await db
        .updateTable('outbox_mails')
        .set({ status: 'sent', sent_at: clock.now(), next_attempt_at: null, last_error: null })
        .where('id', '=', mail.id)
        .execute();
      report.sent++;
    } catch (error) {
      const message = describeError(error);
      const permanent = isPermanentFailure(error);
      const giveUp = permanent || mail.attempts >= MAX_ATTEMPTS;
      await db
        .updateTable('outbox_mails')
        .set(
          giveUp
            ? { status: 'failed', next_attempt_at: null, last_error: message }
            : { status: 'pending', next_attempt_at: new Date(clock.now().getTime() + retryDelayMs(mail.attempts)), last_error: message },
        )
        .where('id', '=', mail.id)
        .execute();
      if (giveUp) report.failed++;
      else report.retrying++;
    }
  }
  return report;
}

function describeError(error: unknown): string {
  const e = error as { message?: string; responseCode?: number; response?: string };
  const text = e?.response ?? e?.message ?? String(error);
  return (e?.responseCode ? `${e.responseCode} ${text}` : text).slice(0, 1000);
}

/** SMTP 5xx replies (unknown mailbox, rejected content) will not succeed on retry. */
function isPermanentFailure(error: unknown): boolean {
  const code = (error as { responseCode?: number })?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}
