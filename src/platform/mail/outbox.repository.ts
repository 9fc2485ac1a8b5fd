import { type Selectable, sql } from 'kysely';
import type { OutboxMailsTable } from '../db/schema.ts';
import type { Tx } from '../db/tenant.ts';

export type OutboxMailRow = Selectable<OutboxMailsTable>;

// Keyset on created_at truncated to milliseconds (what a JS Date and the cursor
// can hold) then id, so the cursor compares exactly what the ORDER BY sorts.
const createdMs = sql<Date>`date_trunc('milliseconds', created_at)`;

/** The organisation's mails, newest first, after the keyset `after`; `limit + 1` rows. */
export function findOutboxMails(
  trx: Tx,
  opts: { limit: number; after: readonly [string, string] | null; status?: OutboxMailRow['status'] },
): Promise<OutboxMailRow[]> {
  let q = trx.selectFrom('outbox_mails').selectAll();
  if (opts.status) q = q.where('status', '=', opts.status);
  if (opts.after) {
    const [createdAt, id] = opts.after;
    q = q.where(sql<boolean>`(${createdMs}, id) < (${createdAt}::timestamptz, ${id}::uuid)`);
  }
  return q.orderBy(createdMs, 'desc').orderBy('id', 'desc').limit(opts.limit + 1).execute();
}

export function getOutboxMailById(trx: Tx, id: string): Promise<OutboxMailRow | undefined> {
  return trx.selectFrom('outbox_mails').selectAll().where('id', '=', id).executeTakeFirst();
}
