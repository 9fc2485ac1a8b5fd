import { sql } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withSystem, withTenant } from '../../platform/db/tenant.ts';
import { enqueueJob, type JobHandler } from '../../platform/jobs/job-queue.ts';
import { emitWebhookEvent } from '../webhooks/emit-webhook-event.ts';
import { anchorBatches, type EvidenceAnchoring } from './evidence-anchors.ts';
import { type EvidenceBatch, type EvidenceEntry, sealBatch } from './evidence-chain.ts';

/** Entries sealed per batch at most (a larger backlog is sealed in several batches, each its own transaction). */
export const SEAL_BATCH_MAX = 5_000;

export function toBatch(row: { organisation_id: string; batch_number: number; first_seq: number; last_seq: number; merkle_root: string; head_chain_hash: string; previous_batch_hash: string; sealed_at: string; batch_hash: string }): EvidenceBatch {
  return {
    organisationId: row.organisation_id, batchNumber: Number(row.batch_number), firstSeq: Number(row.first_seq), lastSeq: Number(row.last_seq), merkleRoot: row.merkle_root,
    headChainHash: row.head_chain_hash, previousBatchHash: row.previous_batch_hash, sealedAt: row.sealed_at, batchHash: row.batch_hash,
  };
}

export function toEntry(row: { organisation_id: string; id: string; type: string; recorded_at: string; payload: unknown; content_hash: string; seq: number | null; chain_hash: string | null; batch_number: number | null }): EvidenceEntry {
  return {
    id: row.id, organisationId: row.organisation_id, type: row.type, recordedAt: row.recorded_at, payload: row.payload as EvidenceEntry['payload'], contentHash: row.content_hash,
    seq: row.seq === null ? null : Number(row.seq), chainHash: row.chain_hash, batchNumber: row.batch_number === null ? null : Number(row.batch_number),
  };
}

/**
 * Seals an organisation's unsealed evidence entries into the next batch, in one
 * transaction under a per-organisation advisory lock (two sealers never race;
 * signings never wait: they only insert), with the `evidence.batch_sealed`
 * webhook of each batch. Then anchors the batches not anchored yet where
 * `anchoring` says (evidence-anchors.ts). Returns the batches written.
 */
export async function sealEvidence(db: Db, clock: Clock, organisationId: string, anchoring?: EvidenceAnchoring): Promise<{ batches: number; entries: number; anchored: number; anchorErrors: string[] }> {
  const sealed = await sealPending(db, clock, organisationId);
  if (!anchoring || (!anchoring.file && !anchoring.tsaUrl)) return { ...sealed, anchored: 0, anchorErrors: [] };
  const { anchored, errors } = await anchorBatches(db, organisationId, anchoring);
  return { ...sealed, anchored, anchorErrors: errors };
}

async function sealPending(db: Db, clock: Clock, organisationId: string): Promise<{ batches: number; entries: number }> {
  let batches = 0;
  let entries = 0;
  for (;;) {
    const sealed = await withTenant(db, organisationId, async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`emarge.evidence.seal:${organisationId}`}, 0))`.execute(trx);
      const rows = await trx
        .selectFrom('evidence_entries')
        .selectAll()
        .where('organisation_id', '=', organisationId)
        .where('seq', 'is', null)
        .orderBy('recorded_at')
        .orderBy('id')
        .limit(SEAL_BATCH_MAX)
        .execute();
      if (rows.length === 0) return 0;
      const last = await trx.selectFrom('evidence_batches').selectAll().where('organisation_id', '=', organisationId).orderBy('batch_number', 'desc').limit(1).executeTakeFirst();
      const result = sealBatch({ organisationId, previous: last ? toBatch(last) : null, entries: rows.map(toEntry), sealedAt: clock.now().toISOString() });
      const b = result.batch;
      await trx
        .insertInto('evidence_batches')
        .values({ organisation_id: organisationId, batch_number: b.batchNumber, first_seq: b.firstSeq, last_seq: b.lastSeq, merkle_root: b.merkleRoot, head_chain_hash: b.headChainHash, previous_batch_hash: b.previousBatchHash, sealed_at: b.sealedAt, batch_hash: b.batchHash })
        .execute();
      await emitWebhookEvent(trx, organisationId, 'evidence.batch_sealed', {
        batchNumber: b.batchNumber, firstSeq: b.firstSeq, lastSeq: b.lastSeq, merkleRoot: b.merkleRoot, headChainHash: b.headChainHash,
        previousBatchHash: b.previousBatchHash, batchHash: b.batchHash, sealedAt: b.sealedAt,
      });
      for (let i = 0; i < result.entries.length; i += 500) {
        const chunk = result.entries.slice(i, i + 500);
        const values = sql.join(chunk.map((e) => sql`(${e.id}::uuid, ${e.seq}::bigint, ${e.chainHash}::text)`));
        await sql`
          UPDATE evidence_entries AS e SET seq = v.seq, chain_hash = v.chain_hash, batch_number = ${b.batchNumber}
            FROM (VALUES ${values}) AS v(id, seq, chain_hash)
           WHERE e.organisation_id = ${organisationId} AND e.id = v.id AND e.seq IS NULL`.execute(trx);
      }
      return result.entries.length;
    });
    if (sealed === 0) return { batches, entries };
    batches++;
    entries += sealed;
    if (sealed < SEAL_BATCH_MAX) return { batches, entries };
  }
}

/** Organisations with unsealed entries (cross-tenant: the sealing job's own lookup). */
export async function findOrganisationsToSeal(db: Db): Promise<string[]> {
  const rows = await withSystem(db, (trx) => trx.selectFrom('evidence_entries').select('organisation_id').where('seq', 'is', null).distinct().execute());
  return rows.map((r) => r.organisation_id);
}

/** Seals every organisation's pending entries. */
export async function sealAllEvidence(db: Db, clock: Clock, anchoring?: EvidenceAnchoring): Promise<{ organisations: number; batches: number; entries: number; anchored: number; anchorErrors: string[] }> {
  let batches = 0;
  let entries = 0;
  let anchored = 0;
  const anchorErrors: string[] = [];
  const organisations = await findOrganisationsToSeal(db);
  if (anchoring && (anchoring.file || anchoring.tsaUrl)) {
    // Batches sealed but not anchored yet (the anchor file or the authority was unreachable): retried on every run.
    const unanchored = await withSystem(db, (trx) => trx.selectFrom('evidence_batches as b').select('b.organisation_id').distinct()
      .where((eb) => eb.not(eb.exists(eb.selectFrom('evidence_anchors as a').select('a.batch_number').whereRef('a.organisation_id', '=', 'b.organisation_id').whereRef('a.batch_number', '=', 'b.batch_number')
        .where('a.kind', 'in', [...(anchoring.file ? ['file' as const] : []), ...(anchoring.tsaUrl ? ['tsa' as const] : [])]))))
      .execute());
    for (const r of unanchored) if (!organisations.includes(r.organisation_id)) organisations.push(r.organisation_id);
  }
  for (const id of organisations) {
    const r = await sealEvidence(db, clock, id, anchoring);
    batches += r.batches;
    entries += r.entries;
    anchored += r.anchored;
    anchorErrors.push(...r.anchorErrors);
  }
  return { organisations: organisations.length, batches, entries, anchored, anchorErrors };
}

export const EVIDENCE_SEAL_JOB = 'evidence.seal';
/** How often the server seals pending entries: the longest an entry stays unsealed (its content hash is still checked meanwhile). */
export const EVIDENCE_SEAL_INTERVAL_MS = 10_000;

/** Queues the next sealing run unless one is already queued (several servers may call this). */
export async function scheduleEvidenceSealing(db: Db, runAt: Date): Promise<boolean> {
  return withSystem(db, async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('emarge.recurring:evidence.seal'))`.execute(trx);
    const queued = await trx.selectFrom('jobs').select('id').where('type', '=', EVIDENCE_SEAL_JOB).where('status', '=', 'queued').executeTakeFirst();
    if (queued) return false;
    await enqueueJob(trx, EVIDENCE_SEAL_JOB, {}, { runAt, maxAttempts: 3 });
    return true;
  });
}

/**
 * The JobRunner handler 'evidence.seal': payload { organisationId? } (all
 * organisations when absent). A run without an organisation queues the next
 * one `intervalMs` later, so sealing recurs while a server runs.
 */
export function evidenceSealHandler(deps: { db: Db; clock: Clock; intervalMs?: number; anchoring?: EvidenceAnchoring }): JobHandler {
  return async (payload) => {
    const organisationId = typeof payload.organisationId === 'string' ? payload.organisationId : null;
    if (organisationId) return { organisations: 1, ...(await sealEvidence(deps.db, deps.clock, organisationId, deps.anchoring)) };
    try {
      return await sealAllEvidence(deps.db, deps.clock, deps.anchoring);
    } finally {
      await scheduleEvidenceSealing(deps.db, new Date(deps.clock.now().getTime() + (deps.intervalMs ?? EVIDENCE_SEAL_INTERVAL_MS)));
    }
  };
}

/** The attendance module's job handlers, for the server's single JobRunner. */
export function attendanceJobHandlers(deps: { db: Db; clock: Clock; intervalMs?: number; anchoring?: EvidenceAnchoring }): Record<string, JobHandler> {
  return { [EVIDENCE_SEAL_JOB]: evidenceSealHandler(deps) };
}
