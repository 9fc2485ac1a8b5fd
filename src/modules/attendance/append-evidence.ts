import { randomUUID } from 'node:crypto';
import type { Tx } from '../../platform/db/tenant.ts';
import { canonicalJson, computeContentHash, type EvidenceContent, type JsonValue } from './evidence-chain.ts';

export type EvidencePayload = { [key: string]: JsonValue };

/** One evidence entry ready to insert: its row exactly as hashed, and its content hash. */
export interface PreparedEvidence {
  id: string;
  organisationId: string;
  type: string;
  recordedAt: string;
  /** The canonical payload, as stored (jsonb). */
  payloadJson: string;
  contentHash: string;
}

/**
 * Builds one evidence entry (id, canonical payload, content hash) without
 * writing it, for callers that insert it inside a larger statement (the
 * signing path writes signature, record and evidence in one round trip).
 */
export function prepareEvidence(organisationId: string, entry: { type: string; recordedAt: Date; payload: EvidencePayload }): PreparedEvidence {
  // Normalise through canonical JSON once: undefined members dropped, anything non-JSON refused here.
  const payloadJson = canonicalJson(entry.payload);
  const payload = JSON.parse(payloadJson) as EvidencePayload;
  const content: EvidenceContent = { id: randomUUID(), organisationId, type: entry.type, recordedAt: entry.recordedAt.toISOString(), payload };
  return { id: content.id, organisationId, type: content.type, recordedAt: content.recordedAt, payloadJson: JSON.stringify(payload), contentHash: computeContentHash(content) };
}

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
  const prepared = prepareEvidence(organisationId, entry);
  await trx
    .insertInto('evidence_entries')
    .values({ organisation_id: organisationId, id: prepared.id, type: prepared.type, recorded_at: prepared.recordedAt, payload: prepared.payloadJson, content_hash: prepared.contentHash })
    .execute();
  return { id: prepared.id, contentHash: prepared.contentHash, recordedAt: prepared.recordedAt };
}
