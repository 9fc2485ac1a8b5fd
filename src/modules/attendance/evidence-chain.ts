import { createHash } from 'node:crypto';

/**
 * The tamper-evident evidence log, as pure functions (no database here).
 *
 * Design: hash at insert, chain at sealing, Merkle per batch.
 *  1. Insert (concurrent, no shared row): every event is written with its own
 *     `contentHash = sha256("emarge.evidence.v1\n" + canonicalJson(content))`.
 *     Signings running in parallel never wait on each other or on a chain head.
 *  2. Seal (one sealer per organisation, every N entries or S seconds, e.g. a
 *     job under an advisory lock): takes the unsealed entries in
 *     (recordedAt, id) order, gives each the next sequence number and
 *     `chainHash = sha256(previous chainHash, seq, contentHash)`, and writes a
 *     batch row: seq range, Merkle root of the batch's content hashes (RFC 6962
 *     tree: one entry's inclusion proof is log2(n) hashes, for a proof file),
 *     head chain hash, and a batch hash chained to the previous batch.
 *  3. Verify: recompute everything in seq order; the first entry (or batch)
 *     that no longer matches is named. Only the sealer serialises, and only
 *     per organisation; the window an entry spends unsealed is the sealing
 *     interval (its content hash is still checked there).
 * A hash chain proves nothing against someone who rewrites the log from the
 * altered entry to the end; anchoring the latest batch hash outside the
 * database (printed in every sealed sheet, sent to funders, exported) closes it.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What an event says. Ids as strings; times as ISO 8601 strings (`Date#toISOString()`). */
export interface EvidenceContent {
  id: string;
  organisationId: string;
  type: string;
  recordedAt: string;
  payload: { [key: string]: JsonValue };
}

/** An entry as stored: content, its hash at insert, and what sealing added (null until sealed). */
export interface EvidenceEntry extends EvidenceContent {
  contentHash: string;
  seq: number | null;
  chainHash: string | null;
  batchNumber: number | null;
}

export interface EvidenceBatch {
  organisationId: string;
  batchNumber: number;
  firstSeq: number;
  lastSeq: number;
  merkleRoot: string;
  /** chainHash of the entry at lastSeq. */
  headChainHash: string;
  /** batchHash of batch batchNumber - 1, or the organisation's genesis hash for the first. */
  previousBatchHash: string;
  sealedAt: string;
  batchHash: string;
}

const CONTENT_PREFIX = 'emarge.evidence.v1\n';

function sha256Hex(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

/**
 * JSON with object keys sorted (by UTF-16 code units, as RFC 8785 JCS), no
 * whitespace, ECMAScript number and string formatting; properties whose value
 * is undefined are left out (as JSON.stringify and jsonb do). Throws TypeError
 * on what JSON cannot carry faithfully: non-finite numbers, bigint, Date,
 * Buffer, functions, undefined in arrays.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not a JSON number`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((item) => {
          if (item === undefined) throw new TypeError('canonicalJson: undefined inside an array');
          return canonicalJson(item);
        }).join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw new TypeError(`canonicalJson: ${proto?.constructor?.name ?? 'object'} is not plain JSON (convert it first)`);
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: ${typeof value} is not JSON`);
  }
}

/** The hash an entry is inserted with: over its content only (not over sealing fields). */
export function computeContentHash(content: EvidenceContent): string {
  const { id, organisationId, type, recordedAt, payload } = content;
  return sha256Hex(CONTENT_PREFIX, canonicalJson({ id, organisationId, type, recordedAt, payload }));
}

/** Where an organisation's chains start: tied to the organisation, so a log cannot be moved to another. */
export function computeGenesisHash(organisationId: string): string {
  return sha256Hex('emarge.evidence.genesis\n', organisationId);
}

export function computeChainHash(previousChainHash: string, seq: number, contentHash: string): string {
  return sha256Hex('emarge.evidence.chain\n', previousChainHash, '\n', String(seq), '\n', contentHash);
}

export function computeBatchHash(batch: Omit<EvidenceBatch, 'batchHash'>): string {
  const { organisationId, batchNumber, firstSeq, lastSeq, merkleRoot, headChainHash, previousBatchHash, sealedAt } = batch;
  return sha256Hex('emarge.evidence.batch\n', canonicalJson({ organisationId, batchNumber, firstSeq, lastSeq, merkleRoot, headChainHash, previousBatchHash, sealedAt }));
}

// ---- Merkle tree (RFC 6962 §2.1: leaf = H(0x00 || d), node = H(0x01 || l || r), split at the largest power of 2 < n).

function leafHash(hexHash: string): Buffer {
  return createHash('sha256').update(Buffer.from([0])).update(Buffer.from(hexHash, 'hex')).digest();
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(Buffer.from([1])).update(left).update(right).digest();
}

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function subtreeRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0]!;
  const k = splitPoint(leaves.length);
  return nodeHash(subtreeRoot(leaves.slice(0, k)), subtreeRoot(leaves.slice(k)));
}

/** Merkle root (hex) over content hashes (hex), in order. Throws on an empty list. */
export function computeMerkleRoot(contentHashes: string[]): string {
  if (contentHashes.length === 0) throw new RangeError('a Merkle tree needs at least one leaf');
  return subtreeRoot(contentHashes.map(leafHash)).toString('hex');
}

/** The audit path of leaf `index`: sibling hashes from the leaf up, each with its side. */
export function getMerkleProof(contentHashes: string[], index: number): { side: 'left' | 'right'; hash: string }[] {
  if (!Number.isInteger(index) || index < 0 || index >= contentHashes.length) throw new RangeError('leaf index out of range');
  const path: { side: 'left' | 'right'; hash: string }[] = [];
  const walk = (leaves: Buffer[], i: number): void => {
    if (leaves.length === 1) return;
    const k = splitPoint(leaves.length);
    if (i < k) {
      walk(leaves.slice(0, k), i);
      path.push({ side: 'right', hash: subtreeRoot(leaves.slice(k)).toString('hex') });
    } else {
      walk(leaves.slice(k), i - k);
      path.push({ side: 'left', hash: subtreeRoot(leaves.slice(0, k)).toString('hex') });
    }
  };
  walk(contentHashes.map(leafHash), index);
  return path;
}

/** True when `contentHash` with `proof` leads to `root`. */
export function verifyMerkleProof(contentHash: string, proof: { side: 'left' | 'right'; hash: string }[], root: string): boolean {
  let current = leafHash(contentHash);
  for (const step of proof) {
    const sibling = Buffer.from(step.hash, 'hex');
    current = step.side === 'right' ? nodeHash(current, sibling) : nodeHash(sibling, current);
  }
  return current.toString('hex') === root;
}

// ---- Sealing

/** Sort order of unsealed entries at sealing time: recordedAt, then id. */
export function compareForSealing(a: EvidenceContent, b: EvidenceContent): number {
  return a.recordedAt < b.recordedAt ? -1 : a.recordedAt > b.recordedAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export interface SealBatchInput {
  organisationId: string;
  /** The organisation's latest batch, or null before the first one. */
  previous: EvidenceBatch | null;
  /** Unsealed entries of that organisation (any order: they are sorted here). */
  entries: (EvidenceContent & { contentHash: string })[];
  sealedAt: string;
}

export interface SealedBatch {
  batch: EvidenceBatch;
  /** What to write on each entry, in seq order. */
  entries: { id: string; seq: number; chainHash: string; batchNumber: number }[];
}

/**
 * Seals the given unsealed entries into the next batch. Refuses an entry of
 * another organisation, and one whose stored content hash does not match its
 * content (altered before it was sealed).
 */
export function sealBatch(input: SealBatchInput): SealedBatch {
  if (input.entries.length === 0) throw new RangeError('nothing to seal');
  const sorted = [...input.entries].sort(compareForSealing);
  for (const entry of sorted) {
    if (entry.organisationId !== input.organisationId) throw new RangeError(`entry ${entry.id} belongs to another organisation`);
    if (computeContentHash(entry) !== entry.contentHash) throw new RangeError(`entry ${entry.id} does not match its content hash`);
  }
  const batchNumber = (input.previous?.batchNumber ?? 0) + 1;
  const firstSeq = (input.previous?.lastSeq ?? 0) + 1;
  let chain = input.previous?.headChainHash ?? computeGenesisHash(input.organisationId);
  const entries = sorted.map((entry, i) => {
    const seq = firstSeq + i;
    chain = computeChainHash(chain, seq, entry.contentHash);
    return { id: entry.id, seq, chainHash: chain, batchNumber };
  });
  const unsigned = {
    organisationId: input.organisationId,
    batchNumber,
    firstSeq,
    lastSeq: firstSeq + sorted.length - 1,
    merkleRoot: computeMerkleRoot(sorted.map((e) => e.contentHash)),
    headChainHash: chain,
    previousBatchHash: input.previous?.batchHash ?? computeGenesisHash(input.organisationId),
    sealedAt: input.sealedAt,
  };
  return { batch: { ...unsigned, batchHash: computeBatchHash(unsigned) }, entries };
}

// ---- Verification

export type EvidenceProblemKind =
  | 'content_mismatch' // the entry's content no longer gives its stored content hash
  | 'chain_mismatch' // the chain breaks at this entry (it, or the one before, was altered, moved, or inserted)
  | 'missing_entry' // a sequence number has no entry (deleted)
  | 'duplicate_seq' // two entries claim the same sequence number
  | 'wrong_organisation' // an entry of another organisation in this log
  | 'batch_mismatch' // a batch row does not match its entries or the previous batch
  | 'missing_batch' // sealed entries with no batch, or a gap in batch numbers
  | 'unsealed_mismatch'; // an entry not sealed yet whose content does not match its hash

export interface EvidenceProblem {
  kind: EvidenceProblemKind;
  /** The entry named (for missing_entry: the first entry after the gap, if any). */
  entryId: string | null;
  seq: number | null;
  batchNumber: number | null;
  message: string;
}

export interface ChainVerification {
  ok: boolean;
  checkedEntries: number;
  checkedBatches: number;
  unsealedEntries: number;
  /** The first problem in log order: what `emarge verify` names. */
  firstProblem: EvidenceProblem | null;
  /** All problems found, in log order, at most `maxProblems`. */
  problems: EvidenceProblem[];
  /** batchHash of the last batch (to compare with an anchor kept elsewhere). */
  headBatchHash: string | null;
}

/**
 * Recomputes an organisation's evidence log: each entry's content hash, the
 * chain in seq order (contiguous from 1), and each batch (seq range, Merkle
 * root, head chain hash, link to the previous batch, own hash). Entries and
 * batches may be given in any order. Reports problems in log order; the
 * first one names the first entry (or batch) that no longer matches.
 */
export function verifyChain(
  organisationId: string,
  entries: EvidenceEntry[],
  batches: EvidenceBatch[],
  options: { maxProblems?: number } = {},
): ChainVerification {
  const maxProblems = options.maxProblems ?? 100;
  const problems: EvidenceProblem[] = [];
  const report = (p: EvidenceProblem) => {
    if (problems.length < maxProblems) problems.push(p);
  };
  const genesis = computeGenesisHash(organisationId);

  const sealed = entries.filter((e) => e.seq !== null).sort((a, b) => a.seq! - b.seq!);
  const unsealed = entries.filter((e) => e.seq === null).sort(compareForSealing);
  const orderedBatches = [...batches].sort((a, b) => a.batchNumber - b.batchNumber);

  let chain = genesis;
  let expectedSeq = 1;
  let batchIndex = 0;
  let previousBatchHash = genesis;
  let batchLeaves: string[] = [];
  let checkedBatches = 0;

  const checkBatch = (batch: EvidenceBatch, lastEntry: EvidenceEntry | null) => {
    checkedBatches++;
    const fail = (message: string) => report({ kind: 'batch_mismatch', entryId: lastEntry?.id ?? null, seq: batch.lastSeq, batchNumber: batch.batchNumber, message: `batch ${batch.batchNumber}: ${message}` });
    const expectedNumber = batchIndex + 1;
    if (batch.batchNumber !== expectedNumber) {
      report({ kind: 'missing_batch', entryId: null, seq: batch.firstSeq, batchNumber: expectedNumber, message: `batch ${expectedNumber} is missing (next is ${batch.batchNumber})` });
    }
    if (batch.organisationId !== organisationId) fail('belongs to another organisation');
    else if (batch.previousBatchHash !== previousBatchHash) fail('does not link to the previous batch (a batch was removed, replaced or reordered)');
    else if (computeBatchHash(batch) !== batch.batchHash) fail('its own hash does not match its fields');
    else if (batchLeaves.length !== batch.lastSeq - batch.firstSeq + 1 || computeMerkleRoot(batchLeaves) !== batch.merkleRoot) {
      fail(`its Merkle root does not match the entries ${batch.firstSeq}..${batch.lastSeq}`);
    } else if (batch.headChainHash !== chain) fail(`its head chain hash does not match the chain at entry ${batch.lastSeq}`);
    previousBatchHash = batch.batchHash;
    batchLeaves = [];
    batchIndex++;
  };

  let previous: EvidenceEntry | null = null;
  let afterGap = false;
  for (const entry of sealed) {
    const seq = entry.seq!;
    // Batches that end before this entry (their last entries were deleted) are checked now.
    while (batchIndex < orderedBatches.length && orderedBatches[batchIndex]!.lastSeq < seq) {
      const batch = orderedBatches[batchIndex]!;
      if (expectedSeq <= batch.lastSeq) {
        report({ kind: 'missing_entry', entryId: entry.id, seq: expectedSeq, batchNumber: batch.batchNumber, message: `entries ${expectedSeq}..${batch.lastSeq} are missing (deleted from the end of batch ${batch.batchNumber})` });
        expectedSeq = batch.lastSeq + 1;
        afterGap = true;
      }
      checkBatch(batch, previous);
    }
    const batch = orderedBatches[batchIndex];
    if (seq < expectedSeq) {
      report({ kind: 'duplicate_seq', entryId: entry.id, seq, batchNumber: entry.batchNumber, message: `entry ${seq} (${entry.id}) repeats a sequence number already used` });
      continue;
    }
    if (seq > expectedSeq) {
      const gap = seq - expectedSeq === 1 ? `entry ${expectedSeq} is missing` : `entries ${expectedSeq}..${seq - 1} are missing`;
      report({ kind: 'missing_entry', entryId: entry.id, seq: expectedSeq, batchNumber: entry.batchNumber, message: `${gap} (deleted), before entry ${seq} (${entry.id})` });
      expectedSeq = seq;
      afterGap = true;
    }
    if (entry.organisationId !== organisationId) {
      report({ kind: 'wrong_organisation', entryId: entry.id, seq, batchNumber: entry.batchNumber, message: `entry ${seq} (${entry.id}) belongs to another organisation` });
    }
    const contentHash = computeContentHash(entry);
    if (contentHash !== entry.contentHash) {
      report({ kind: 'content_mismatch', entryId: entry.id, seq, batchNumber: entry.batchNumber, message: `entry ${seq} (${entry.id}, ${entry.type}) no longer matches its hash: its content was changed` });
    }
    const expectedChain = computeChainHash(chain, seq, contentHash);
    // After a gap the chain cannot match (its predecessor is gone): that deletion is already reported.
    if (expectedChain !== entry.chainHash && contentHash === entry.contentHash && !afterGap) {
      report({
        kind: 'chain_mismatch', entryId: entry.id, seq, batchNumber: entry.batchNumber,
        message: `the chain breaks at entry ${seq} (${entry.id}): this entry was moved or re-hashed, or entry ${seq - 1} was altered and re-hashed`,
      });
    }
    if (batch && (entry.batchNumber !== batch.batchNumber || seq < batch.firstSeq)) {
      report({ kind: 'batch_mismatch', entryId: entry.id, seq, batchNumber: entry.batchNumber, message: `entry ${seq} claims batch ${entry.batchNumber} but batch ${batch.batchNumber} covers ${batch.firstSeq}..${batch.lastSeq}` });
    }
    if (!batch) {
      report({ kind: 'missing_batch', entryId: entry.id, seq, batchNumber: entry.batchNumber, message: `entry ${seq} (${entry.id}) is sealed but no batch covers it (a batch was deleted)` });
    }
    // Continue from the stored chain hash: an alteration is reported where it is, not at every later entry.
    chain = entry.chainHash ?? expectedChain;
    batchLeaves.push(contentHash);
    expectedSeq = seq + 1;
    previous = entry;
    afterGap = false;
    if (batch && seq === batch.lastSeq) checkBatch(batch, entry);
  }
  while (batchIndex < orderedBatches.length) {
    const batch = orderedBatches[batchIndex]!;
    if (expectedSeq <= batch.lastSeq) {
      report({ kind: 'missing_entry', entryId: null, seq: expectedSeq, batchNumber: batch.batchNumber, message: `entries ${expectedSeq}..${batch.lastSeq} are missing (deleted from the end of batch ${batch.batchNumber})` });
      expectedSeq = batch.lastSeq + 1;
    }
    checkBatch(batch, previous);
  }
  for (const entry of unsealed) {
    if (entry.organisationId !== organisationId) {
      report({ kind: 'wrong_organisation', entryId: entry.id, seq: null, batchNumber: null, message: `unsealed entry ${entry.id} belongs to another organisation` });
    } else if (computeContentHash(entry) !== entry.contentHash) {
      report({ kind: 'unsealed_mismatch', entryId: entry.id, seq: null, batchNumber: null, message: `unsealed entry ${entry.id} (${entry.type}) no longer matches its hash: its content was changed` });
    }
  }
  return {
    ok: problems.length === 0,
    checkedEntries: sealed.length,
    checkedBatches,
    unsealedEntries: unsealed.length,
    firstProblem: problems[0] ?? null,
    problems,
    headBatchHash: orderedBatches.length ? orderedBatches[orderedBatches.length - 1]!.batchHash : null,
  };
}
