import { randomBytes } from 'node:crypto';
import type { Tx } from '../../platform/db/tenant.ts';

/** The organisation's QR key (32 random bytes), created on first use. */
export async function getOrCreateQrKey(trx: Tx, organisationId: string): Promise<Buffer> {
  const existing = await findQrKey(trx, organisationId);
  if (existing) return existing;
  await trx.insertInto('organisation_secrets').values({ organisation_id: organisationId, qr_key: randomBytes(32) }).onConflict((oc) => oc.column('organisation_id').doNothing()).execute();
  return (await findQrKey(trx, organisationId))!;
}

export async function findQrKey(trx: Tx, organisationId: string): Promise<Buffer | null> {
  const row = await trx.selectFrom('organisation_secrets').select('qr_key').where('organisation_id', '=', organisationId).executeTakeFirst();
  return row ? Buffer.from(row.qr_key) : null;
}
