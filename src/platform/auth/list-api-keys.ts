import { z } from 'zod';
import type { Db } from '../db/database.ts';
import { withTenant } from '../db/tenant.ts';
import { decodeCursor, toPage } from '../http/pagination.ts';
import type { Ctx } from './actor.ts';
import { assertPersonAdmin } from './api-key-access.ts';
import { findApiKeys, presentApiKey } from './api-key.repository.ts';

/** The organisation's API keys, newest first (revoked ones with includeRevoked). */
export async function listApiKeys(db: Db, ctx: Ctx, q: { limit: number; cursor?: string; includeRevoked?: boolean }) {
  assertPersonAdmin(ctx.actor);
  const after = decodeCursor(q.cursor, [z.iso.datetime(), z.uuid()] as const);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const rows = await findApiKeys(trx, { limit: q.limit, after, includeRevoked: q.includeRevoked ?? false });
    return toPage(rows, q.limit, presentApiKey, (r) => [r.created_at.toISOString(), r.id]);
  });
}
