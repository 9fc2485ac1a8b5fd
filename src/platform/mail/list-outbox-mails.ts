import { z } from 'zod';
import { assertOrgWide, type Ctx } from '../auth/actor.ts';
import type { Db } from '../db/database.ts';
import { withTenant } from '../db/tenant.ts';
import { notFound } from '../errors/app-error.ts';
import { decodeCursor, toPage } from '../http/pagination.ts';
import { findOutboxMails, getOutboxMailById, type OutboxMailRow } from './outbox.repository.ts';

/** The public shape of an outbox mail (admins and managers read it: it may hold a sign-in link). */
export function presentOutboxMail(row: OutboxMailRow) {
  return {
    id: row.id,
    to: row.to_address,
    subject: row.subject,
    text: row.text_body,
    html: row.html_body,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    sentAt: row.sent_at?.toISOString() ?? null,
  };
}

/** The organisation's mails, newest first (admins and managers). */
export async function listOutboxMails(db: Db, ctx: Ctx, q: { limit: number; cursor?: string; status?: OutboxMailRow['status'] }) {
  assertOrgWide(ctx.actor);
  const after = decodeCursor(q.cursor, [z.iso.datetime(), z.uuid()] as const);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const rows = await findOutboxMails(trx, { limit: q.limit, after, status: q.status });
    return toPage(rows, q.limit, presentOutboxMail, (r) => [r.created_at.toISOString(), r.id]);
  });
}

export async function getOutboxMail(db: Db, ctx: Ctx, id: string) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const row = await getOutboxMailById(trx, id);
    if (!row) throw notFound('Mail');
    return presentOutboxMail(row);
  });
}
