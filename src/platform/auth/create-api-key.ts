import type { z } from 'zod';
import { recordAuditEvent } from '../audit/record-audit-event.ts';
import type { Db } from '../db/database.ts';
import { withTenant } from '../db/tenant.ts';
import type { Ctx } from './actor.ts';
import { assertPersonAdmin } from './api-key-access.ts';
import { presentApiKey } from './api-key.repository.ts';
import { generateApiKey } from './api-key-format.ts';
import type { apiKeyCreateSchema } from './api-keys.schemas.ts';

/** Creates an organisation API key; the answer holds the key itself, which is never shown again (only its hash is kept). */
export async function createApiKey(db: Db, ctx: Ctx, input: z.infer<typeof apiKeyCreateSchema>) {
  const actor = ctx.actor;
  assertPersonAdmin(actor);
  const { key, prefix, hash } = generateApiKey();
  return withTenant(db, actor.organisationId, async (trx) => {
    const row = await trx
      .insertInto('api_keys')
      .values({ organisation_id: actor.organisationId, name: input.name, prefix, key_hash: hash, scope: input.scope, created_by: actor.personId })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, { type: 'api_key.created', subjectType: 'api_key', subjectId: row.id, payload: { name: row.name, scope: row.scope, prefix } });
    return { ...presentApiKey(row), key };
  });
}
