import type { Kysely } from 'kysely';
import { execScript } from '../sql-script.ts';

/**
 * Mail delivery bookkeeping: when a pending mail may next be tried. NULL means
 * "now". A sender claims a mail by pushing this into the future (a lease), so
 * concurrent senders never send the same mail twice, and a crashed sender's
 * mails are retried once the lease runs out.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await execScript(
    db,
    `
    ALTER TABLE outbox_mails ADD COLUMN next_attempt_at timestamptz;
    CREATE INDEX outbox_mails_due_idx ON outbox_mails (next_attempt_at NULLS FIRST, created_at) WHERE status = 'pending';
    CREATE INDEX outbox_mails_status_idx ON outbox_mails (organisation_id, status, created_at DESC);
  `,
  );
}
