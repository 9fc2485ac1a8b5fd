import { recordAuditEvent } from '../audit/record-audit-event.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { withTenant } from '../db/tenant.ts';
import { notFound } from '../errors/app-error.ts';
import type { Ctx } from './actor.ts';
import { assertPersonAdmin } from './api-key-access.ts';

/** Revokes a key: from then on it gets 401. Revoking a revoked key changes nothing. */
export async function revokeApiKey(db: Db, clock: Clock, ctx: Ctx, id: string): Promise<void> {
  assertPersonAdmin(ctx.actor);
  await withTenant(db, ctx.actor.organisationId, async (trx) => {
    const key = await trx.selectFrom('api_keys').select(['id', 'revoked_at']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!key) throw notFound('API key');
    if (key.revoked_at) return;
    await trx.updateTable('api_keys').set({ revoked_at: clock.now() }).where('id', '=', id).execute();
    await recordAuditEvent(trx, ctx, { type: 'api_key.revoked', subjectType: 'api_key', subjectId: id, payload: {} });
  });
}
