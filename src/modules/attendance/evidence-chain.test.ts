import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  canonicalJson, computeChainHash, computeContentHash, computeMerkleRoot, getMerkleProof, sealBatch, verifyChain, verifyMerkleProof,
  type EvidenceBatch, type EvidenceContent, type EvidenceEntry,
} from './evidence-chain.ts';

const ORG = '0b9c7a52-4a4f-4d5e-9a53-1f0e4c1d2b3a';
const OTHER_ORG = '5d1e0f6a-1111-4c2d-8e9f-aaaaaaaaaaaa';

function uuid(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

/** Deterministic pseudo-random numbers (LCG) so the test data is the same every run. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

/**
 * A log of `n` signing events inserted "concurrently" (timestamps collide,
 * arrival order is shuffled) and sealed in batches as a sealer would: every
 * `batchSize` entries, taking whatever is unsealed.
 */
function buildLog(n: number, batchSize: number, organisationId = ORG): { entries: EvidenceEntry[]; batches: EvidenceBatch[] } {
  const random = rng(42);
  const contents: EvidenceContent[] = Array.from({ length: n }, (_, i) => ({
    id: uuid(i + 1),
    organisationId,
    type: i % 10 === 0 ? 'sheet.sealed' : 'attendance.signed',
    // Two events per second on average, many sharing the same millisecond.
    recordedAt: new Date(Date.UTC(2026, 2, 2, 8, 0, 0) + Math.floor(i / 3) * 1000).toISOString(),
    payload: {
      sessionId: uuid(10_000 + (i % 40)),
      learnerId: uuid(20_000 + i),
      method: i % 2 ? 'qr_code' : 'magic_link',
      ip: `192.0.2.${i % 250}`,
      userAgent: 'Mozilla/5.0 (Android 14; Mobile) — « test »',
      documentSha256: createHash('sha256').update(`sheet-${i % 40}`).digest('hex'),
      strokes: { count: 1 + (i % 4), points: 40 + i },
    },
  }));
  // Arrival order differs from recordedAt order within each sealing window.
  const arrived = contents.map((c) => ({ c, k: random() })).sort((a, b) => a.k - b.k).map(({ c }) => c)
    .sort((a, b) => (Math.floor(Number(a.id.slice(-12)) / batchSize) - Math.floor(Number(b.id.slice(-12)) / batchSize)));
  const inserted = arrived.map((c) => ({ ...c, contentHash: computeContentHash(c) }));
  const entries: EvidenceEntry[] = [];
  const batches: EvidenceBatch[] = [];
  for (let start = 0; start < inserted.length; start += batchSize) {
    const window = inserted.slice(start, start + batchSize);
    const sealed = sealBatch({ organisationId, previous: batches[batches.length - 1] ?? null, entries: window, sealedAt: new Date(Date.UTC(2026, 2, 2, 9) + start * 1000).toISOString() });
    batches.push(sealed.batch);
    const byId = new Map(window.map((e) => [e.id, e]));
    for (const s of sealed.entries) entries.push({ ...byId.get(s.id)!, seq: s.seq, chainHash: s.chainHash, batchNumber: s.batchNumber });
  }
  return { entries, batches };
}

function bySeq(entries: EvidenceEntry[], seq: number): EvidenceEntry {
  const e = entries.find((x) => x.seq === seq);
  assert.ok(e, `no entry ${seq}`);
  return e;
}

const LOG = buildLog(1000, 64);

function fresh(): { entries: EvidenceEntry[]; batches: EvidenceBatch[] } {
  return structuredClone(LOG);
}

test('1,000 entries sealed in 16 batches verify; row order as read from the database does not matter', () => {
  const { entries, batches } = fresh();
  assert.equal(entries.length, 1000);
  assert.equal(batches.length, 16);
  assert.deepEqual(entries.map((e) => e.seq).sort((a, b) => a! - b!), Array.from({ length: 1000 }, (_, i) => i + 1));
  const result = verifyChain(ORG, entries, batches);
  assert.equal(result.firstProblem, null);
  assert.equal(result.ok, true);
  assert.equal(result.checkedEntries, 1000);
  assert.equal(result.checkedBatches, 16);
  assert.equal(result.headBatchHash, batches[15]!.batchHash);
  const random = rng(7);
  const shuffled = [...entries].sort(() => random() - 0.5);
  assert.equal(verifyChain(ORG, shuffled, [...batches].reverse()).ok, true);
});

test('one field of entry 537 changed: the verifier names entry 537', () => {
  const { entries, batches } = fresh();
  const target = bySeq(entries, 537);
  target.payload.ip = '203.0.113.9';
  const result = verifyChain(ORG, entries, batches);
  assert.equal(result.ok, false);
  assert.equal(result.firstProblem?.kind, 'content_mismatch');
  assert.equal(result.firstProblem?.seq, 537);
  assert.equal(result.firstProblem?.entryId, target.id);
  assert.match(result.firstProblem!.message, /^entry 537 \(00000000-0000-4000-8000-\d{12}, attendance\.signed\) no longer matches its hash/);
  // Its batch (537 is in batch 9: 513..576) is also reported, and nothing else.
  assert.deepEqual(result.problems.map((p) => `${p.kind}@${p.seq}`), ['content_mismatch@537', 'batch_mismatch@576']);
  // Any one field: the time, the type, the organisation, a nested value.
  for (const alter of [
    (e: EvidenceEntry) => { e.recordedAt = '2026-03-02T08:00:00.001Z'; },
    (e: EvidenceEntry) => { e.type = 'attendance.refused'; },
    (e: EvidenceEntry) => { (e.payload.strokes as { count: number }).count += 1; },
  ]) {
    const copy = fresh();
    alter(bySeq(copy.entries, 537));
    assert.equal(verifyChain(ORG, copy.entries, copy.batches).firstProblem?.seq, 537);
  }
});

test('entry 537 altered and its content hash recomputed: the chain names 537; chain hash recomputed too: the break shows at 538', () => {
  const { entries, batches } = fresh();
  const target = bySeq(entries, 537);
  target.payload.method = 'trainer_device';
  target.contentHash = computeContentHash(target);
  const result = verifyChain(ORG, entries, batches);
  assert.equal(result.firstProblem?.kind, 'chain_mismatch');
  assert.equal(result.firstProblem?.seq, 537);
  assert.equal(result.firstProblem?.entryId, target.id);

  const deeper = fresh();
  const t2 = bySeq(deeper.entries, 537);
  t2.payload.method = 'trainer_device';
  t2.contentHash = computeContentHash(t2);
  // Re-chain 537 from 536 as an attacker with write access would.
  t2.chainHash = computeChainHash(bySeq(deeper.entries, 536).chainHash!, 537, t2.contentHash);
  const r2 = verifyChain(ORG, deeper.entries, deeper.batches);
  assert.equal(r2.firstProblem?.kind, 'chain_mismatch');
  assert.equal(r2.firstProblem?.seq, 538);
  assert.match(r2.firstProblem!.message, /entry 537 was altered and re-hashed/);
  // The batch's Merkle root still exposes the change.
  assert.ok(r2.problems.some((p) => p.kind === 'batch_mismatch' && p.batchNumber === 9));
});

test('entry 537 deleted: detected and named (537 missing, before the entry now at 538)', () => {
  const { entries, batches } = fresh();
  const after = bySeq(entries, 538);
  const result = verifyChain(ORG, entries.filter((e) => e.seq !== 537), batches);
  assert.equal(result.ok, false);
  assert.equal(result.firstProblem?.kind, 'missing_entry');
  assert.equal(result.firstProblem?.seq, 537);
  assert.equal(result.firstProblem?.entryId, after.id);
  assert.match(result.firstProblem!.message, /^entry 537 is missing \(deleted\), before entry 538/);
  assert.equal(result.checkedEntries, 999);
});

test('entries 537 and 538 reordered (sequence numbers swapped): detected at 537', () => {
  const { entries, batches } = fresh();
  const a = bySeq(entries, 537);
  const b = bySeq(entries, 538);
  [a.seq, b.seq] = [b.seq, a.seq];
  const result = verifyChain(ORG, entries, batches);
  assert.equal(result.firstProblem?.kind, 'chain_mismatch');
  assert.equal(result.firstProblem?.seq, 537);
  assert.equal(result.firstProblem?.entryId, b.id);

  // Same with the contents swapped between the two rows (ids, hashes and all), sealing columns left in place.
  const copy = fresh();
  const x = bySeq(copy.entries, 537);
  const y = bySeq(copy.entries, 538);
  const fields = ['id', 'type', 'recordedAt', 'payload', 'contentHash'] as const;
  const rx = x as unknown as Record<string, unknown>;
  const ry = y as unknown as Record<string, unknown>;
  for (const f of fields) [rx[f], ry[f]] = [ry[f], rx[f]];
  const r2 = verifyChain(ORG, copy.entries, copy.batches);
  assert.equal(r2.firstProblem?.seq, 537);
  assert.equal(r2.firstProblem?.kind, 'chain_mismatch');
});

test('truncation, a removed batch, a forged batch root, and a log moved to another organisation are detected', () => {
  const { entries, batches } = fresh();
  const truncated = verifyChain(ORG, entries.filter((e) => e.seq! <= 997), batches);
  assert.equal(truncated.firstProblem?.kind, 'missing_entry');
  assert.equal(truncated.firstProblem?.seq, 998);
  assert.match(truncated.firstProblem!.message, /entries 998\.\.1000 are missing/);

  // Batch 5 and its entries (257..320) removed together.
  const withoutBatch5 = verifyChain(ORG, entries.filter((e) => e.batchNumber !== 5), batches.filter((b) => b.batchNumber !== 5));
  assert.equal(withoutBatch5.firstProblem?.kind, 'missing_entry');
  assert.equal(withoutBatch5.firstProblem?.seq, 257);

  const forged = fresh();
  forged.batches[2]!.merkleRoot = 'f'.repeat(64);
  const r = verifyChain(ORG, forged.entries, forged.batches);
  assert.equal(r.firstProblem?.kind, 'batch_mismatch');
  assert.equal(r.firstProblem?.batchNumber, 3);

  // The whole (consistent) log checked as another organisation's: the genesis differs, so entry 1 fails.
  const moved = verifyChain(OTHER_ORG, entries, batches);
  assert.equal(moved.firstProblem?.seq, 1);
  assert.equal(moved.firstProblem?.kind, 'wrong_organisation');
  const otherLog = buildLog(10, 5, OTHER_ORG);
  assert.equal(verifyChain(OTHER_ORG, otherLog.entries, otherLog.batches).ok, true);
  assert.equal(verifyChain(ORG, otherLog.entries, otherLog.batches).firstProblem?.kind, 'wrong_organisation');
});

test('unsealed entries are checked on their own hash; sealing them later continues the chain', () => {
  const { entries, batches } = fresh();
  const pending: EvidenceEntry[] = [1, 2, 3].map((i) => {
    const content: EvidenceContent = { id: uuid(5000 + i), organisationId: ORG, type: 'attendance.signed', recordedAt: '2026-03-02T12:00:00.000Z', payload: { n: i } };
    return { ...content, contentHash: computeContentHash(content), seq: null, chainHash: null, batchNumber: null };
  });
  const ok = verifyChain(ORG, [...entries, ...pending], batches);
  assert.equal(ok.ok, true);
  assert.equal(ok.unsealedEntries, 3);

  pending[1]!.payload.n = 99;
  const bad = verifyChain(ORG, [...entries, ...pending], batches);
  assert.equal(bad.firstProblem?.kind, 'unsealed_mismatch');
  assert.equal(bad.firstProblem?.entryId, uuid(5002));
  assert.throws(() => sealBatch({ organisationId: ORG, previous: batches[15]!, entries: pending, sealedAt: '2026-03-02T12:00:05.000Z' }), /does not match its content hash/);

  pending[1]!.payload.n = 2;
  const sealed = sealBatch({ organisationId: ORG, previous: batches[15]!, entries: pending, sealedAt: '2026-03-02T12:00:05.000Z' });
  assert.deepEqual(sealed.entries.map((e) => e.seq), [1001, 1002, 1003]);
  const all = [...entries, ...pending.map((p) => ({ ...p, ...sealed.entries.find((s) => s.id === p.id)! }))];
  const result = verifyChain(ORG, all, [...batches, sealed.batch]);
  assert.equal(result.ok, true);
  assert.equal(result.checkedEntries, 1003);
  assert.equal(result.checkedBatches, 17);
  assert.throws(() => sealBatch({ organisationId: OTHER_ORG, previous: null, entries: pending, sealedAt: 'x' }), /another organisation/);
});

test('sealing order is independent of arrival order (recordedAt, then id)', () => {
  const contents = [3, 1, 2, 5, 4].map((i) => {
    const c: EvidenceContent = { id: uuid(i), organisationId: ORG, type: 't', recordedAt: `2026-03-02T08:00:0${i % 2}.000Z`, payload: {} };
    return { ...c, contentHash: computeContentHash(c) };
  });
  const a = sealBatch({ organisationId: ORG, previous: null, entries: contents, sealedAt: 's' });
  const b = sealBatch({ organisationId: ORG, previous: null, entries: [...contents].reverse(), sealedAt: 's' });
  assert.deepEqual(a, b);
  assert.deepEqual(a.entries.map((e) => e.id), [uuid(2), uuid(4), uuid(1), uuid(3), uuid(5)]);
});

test('canonical JSON: sorted keys at every depth, no whitespace, refuses what JSON cannot carry', () => {
  assert.equal(canonicalJson({ b: 1, a: [true, null, 'é « »'], c: { z: 1.5, y: -0, x: 1e21 } }), '{"a":[true,null,"é « »"],"b":1,"c":{"x":1e+21,"y":0,"z":1.5}}');
  assert.equal(canonicalJson({ b: undefined, a: 1 }), '{"a":1}');
  assert.equal(canonicalJson({ '\u00e9': 1, e: 2, E: 3 }), '{"E":3,"e":2,"é":1}');
  const parsed = JSON.parse('{"payload":{"b":2,"a":1},"id":"x"}');
  assert.equal(canonicalJson(parsed), canonicalJson({ id: 'x', payload: { a: 1, b: 2 } }));
  assert.throws(() => canonicalJson({ a: Number.NaN }), TypeError);
  assert.throws(() => canonicalJson({ a: new Date() }), /not plain JSON/);
  assert.throws(() => canonicalJson([undefined]), TypeError);
  assert.throws(() => canonicalJson({ a: 1n }), TypeError);
});

test('Merkle inclusion proofs verify for every leaf of trees of 1..33 leaves, and fail for a wrong leaf', () => {
  for (let n = 1; n <= 33; n++) {
    const leaves = Array.from({ length: n }, (_, i) => createHash('sha256').update(`leaf ${i}`).digest('hex'));
    const root = computeMerkleRoot(leaves);
    for (let i = 0; i < n; i++) {
      const proof = getMerkleProof(leaves, i);
      assert.ok(proof.length <= Math.ceil(Math.log2(n)));
      assert.ok(verifyMerkleProof(leaves[i]!, proof, root), `leaf ${i} of ${n}`);
      if (n > 1) assert.equal(verifyMerkleProof(leaves[(i + 1) % n]!, proof, root), false);
    }
  }
  // RFC 6962: a one-leaf tree's root is H(0x00 || leaf).
  const one = createHash('sha256').update('x').digest('hex');
  assert.equal(computeMerkleRoot([one]), createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(one, 'hex')])).digest('hex'));
  assert.throws(() => computeMerkleRoot([]), RangeError);
});
