import { randomUUID } from 'node:crypto';
import type { Tx } from '../../platform/db/tenant.ts';
import { canonicalJson, computeContentHash, type EvidenceContent, type JsonValue } from './evidence-chain.ts';

export type EvidencePayload = { [key: string]: JsonValue };

/**
 * Appends one entry to the organisation's evidence log in the caller's
 * transaction (the same one as the record it proves), with its content hash.
 * The payload must be plain JSON: ids and times as strings (ISO 8601), no
 * Date, no undefined inside arrays. It is stored exactly as hashed.
 */
export async function appendEvidence(
  trx: Tx,
  organisationId: string,
  entry: { type: string; recordedAt: Date; payload: EvidencePayload },
): Promise<{ id: string; contentHash: string; recordedAt: string }> {
  // Normalise through canonical JSON once: undefined members dropped, anything non-JSON refused here.
  const payload = JSON.parse(canonicalJson(entry.payload)) as EvidencePayload;
  const content: EvidenceContent = { id: randomUUID(), organisationId, type: entry.type, recordedAt: entry.recordedAt.toISOString(), payload };
  const contentHash = computeContentHash(content);
  await trx
    .insertInto('evidence_entries')
    .values({ organisation_id: organisationId, id: content.id, type: content.type, recorded_at: content.recordedAt, payload: JSON.stringify(payload), content_hash: contentHash })
    .execute();
  return { id: content.id, contentHash, recordedAt: content.recordedAt };
}
