import { type Selectable, sql } from 'kysely';
import type { ApiKeysTable } from '../db/schema.ts';
import type { Tx } from '../db/tenant.ts';

export type ApiKeyRow = Selectable<ApiKeysTable>;

const createdMs = sql<Date>`date_trunc('milliseconds', created_at)`;

/** The organisation's keys, newest first, after the keyset `after`; `limit + 1` rows. */
export function findApiKeys(trx: Tx, opts: { limit: number; after: readonly [string, string] | null; includeRevoked: boolean }): Promise<ApiKeyRow[]> {
  let q = trx.selectFrom('api_keys').selectAll();
  if (!opts.includeRevoked) q = q.where('revoked_at', 'is', null);
  if (opts.after) {
    const [createdAt, id] = opts.after;
    q = q.where(sql<boolean>`(${createdMs}, id) < (${createdAt}::timestamptz, ${id}::uuid)`);
  }
  return q.orderBy(createdMs, 'desc').orderBy('id', 'desc').limit(opts.limit + 1).execute();
}

export function getApiKeyById(trx: Tx, id: string): Promise<ApiKeyRow | undefined> {
  return trx.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The public shape of a key: never its hash. */
export function presentApiKey(row: ApiKeyRow) {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    prefix: row.prefix,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}
