import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.ts';
import { type Tx, withTenant } from '../../platform/db/tenant.ts';
import { type ChainVerification, type EvidenceBatch, type EvidenceProblem, verifyChain } from './evidence-chain.ts';
import { readTimeStampToken } from './evidence-anchors.ts';
import { toBatch, toEntry } from './seal-evidence.ts';
import { canonicalizeStrokes, type SignatureStrokes } from './signature-strokes.ts';
import { type FactProblem, type SignatureFacts, verifyFacts } from './verify-facts.ts';

/** A batch as remembered outside the database (anchor file line, sealed PDF, webhook, time-stamp). */
export interface BatchAnchor {
  organisationId: string;
  batchNumber: number;
  batchHash: string;
  merkleRoot?: string | undefined;
  lastSeq?: number | undefined;
  /** Where it was found, for the message: "anchor file x.jsonl line 3", "PDF y.pdf". */
  source: string;
}

export type AnchorProblemKind =
  | 'anchor_missing_batch' // an anchored batch is no longer in the database (seal rolled back, log truncated)
  | 'anchor_mismatch'; // the database's batch of that number is not the anchored one (rewritten)

export interface AnchorProblem extends Omit<EvidenceProblem, 'kind'> {
  kind: AnchorProblemKind;
  source: string;
}

export type VerificationProblem = EvidenceProblem | FactProblem | AnchorProblem;

export interface EvidenceVerification extends Omit<ChainVerification, 'problems' | 'firstProblem'> {
  /** Rows checked against the entries (signatures, attendance records, amendments, sheets). */
  checkedRows: number;
  /** Anchors compared with the batches. */
  checkedAnchors: number;
  firstProblem: VerificationProblem | null;
  /** The log's own problems (log order), then the anchors', then the rows'. */
  problems: VerificationProblem[];
}

/** Compares anchors of this organisation with its batches. */
export function verifyAnchors(batches: EvidenceBatch[], anchors: BatchAnchor[]): AnchorProblem[] {
  const byNumber = new Map(batches.map((b) => [b.batchNumber, b]));
  const problems: AnchorProblem[] = [];
  for (const a of anchors) {
    const batch = byNumber.get(a.batchNumber);
    const base = { entryId: null, seq: a.lastSeq ?? null, batchNumber: a.batchNumber, source: a.source };
    if (!batch) {
      problems.push({ ...base, kind: 'anchor_missing_batch', message: `batch ${a.batchNumber} (${a.batchHash}), anchored in ${a.source}, is no longer in the database: the seal was rolled back or the log truncated` });
      continue;
    }
    const diff = batch.batchHash !== a.batchHash ? `its hash is ${batch.batchHash}, the anchor says ${a.batchHash}`
      : a.merkleRoot !== undefined && batch.merkleRoot !== a.merkleRoot ? `its Merkle root is ${batch.merkleRoot}, the anchor says ${a.merkleRoot}`
        : a.lastSeq !== undefined && batch.lastSeq !== a.lastSeq ? `it ends at entry ${batch.lastSeq}, the anchor says ${a.lastSeq}`
          : null;
    if (diff) problems.push({ ...base, kind: 'anchor_mismatch', message: `batch ${a.batchNumber} was rewritten: ${diff} (${a.source})` });
  }
  return problems;
}

const SIGNATURE_PAGE = 1000;

/**
 * Every signature of the organisation with its hashes recomputed from the stored PNG bytes (by the database)
 * and strokes (here), read through one cursor, a page at a time: one plan for the whole read, whatever the
 * table's statistics (keyset pages planned without them re-scanned the rest of the table each time).
 */
async function* readSignatureFacts(trx: Tx, organisationId: string): AsyncGenerator<SignatureFacts> {
  if (!/^[0-9a-f-]{36}$/i.test(organisationId)) throw new RangeError('organisation id must be a uuid');
  await sql.raw(`DECLARE emarge_verify_signatures NO SCROLL CURSOR FOR
    SELECT id, session_id, person_id, png_sha256, strokes_sha256, encode(sha256(png), 'hex') AS png_actual, strokes
      FROM signatures WHERE organisation_id = '${organisationId}'::uuid`).execute(trx);
  try {
    for (;;) {
      const { rows } = await sql.raw<{ id: string; session_id: string; person_id: string; png_sha256: string; strokes_sha256: string; png_actual: string; strokes: SignatureStrokes }>(
        `FETCH ${SIGNATURE_PAGE} FROM emarge_verify_signatures`,
      ).execute(trx);
      for (const r of rows) {
        let strokesSha256: string;
        try {
          strokesSha256 = createHash('sha256').update(canonicalizeStrokes(r.strokes), 'utf8').digest('hex');
        } catch {
          strokesSha256 = 'unreadable strokes';
        }
        yield { id: r.id, sessionId: r.session_id, personId: r.person_id, pngSha256: r.png_actual, strokesSha256, storedPngSha256: r.png_sha256, storedStrokesSha256: r.strokes_sha256 };
      }
      if (rows.length < SIGNATURE_PAGE) return;
    }
  } finally {
    await sql.raw('CLOSE emarge_verify_signatures').execute(trx);
  }
}

/**
 * Recomputes an organisation's evidence log (read only: it seals nothing and
 * changes nothing): every sealed entry's content and chain hash, every batch,
 * and the content hash of entries not sealed yet; compares the batches with
 * the anchors given (kept outside the database); and checks every attested
 * row — signatures (PNG and strokes re-hashed), attendance records,
 * amendments, sheets — against the entries that recorded it (verify-facts.ts).
 * Names the first entry, batch or row that no longer matches.
 */
export async function verifyEvidence(db: Db, organisationId: string, options: { anchors?: BatchAnchor[]; maxProblems?: number } = {}): Promise<EvidenceVerification> {
  const maxProblems = options.maxProblems ?? 20;
  return withTenant(db, organisationId, async (trx) => {
    const entryRows = await trx.selectFrom('evidence_entries').selectAll().where('organisation_id', '=', organisationId).execute();
    const batchRows = await trx.selectFrom('evidence_batches').selectAll().where('organisation_id', '=', organisationId).execute();
    const entries = entryRows.map(toEntry);
    const batches = batchRows.map(toBatch);
    const chain = verifyChain(organisationId, entries, batches, { maxProblems });
    const anchors = (options.anchors ?? []).filter((a) => a.organisationId === organisationId);
    // The time-stamp tokens kept in the database: each must stamp its batch's hash (the authority signed that hash at that time).
    const stamps = await trx.selectFrom('evidence_anchors').select(['batch_number', 'target', 'batch_hash', 'token']).where('organisation_id', '=', organisationId).where('kind', '=', 'tsa').execute();
    for (const s of stamps) {
      let digest = 'unreadable token';
      let when = '';
      try {
        const info = readTimeStampToken(Buffer.from(s.token ?? []));
        digest = info.digest;
        when = `, ${info.genTime.toISOString()}`;
      } catch { /* reported as a mismatch below */ }
      anchors.push({ organisationId, batchNumber: s.batch_number, batchHash: digest, source: `the RFC 3161 time-stamp token of batch ${s.batch_number} (${s.target}${when})` });
    }
    const anchorProblems = verifyAnchors(batches, anchors);

    const records = await trx.selectFrom('attendance_records')
      .select(['id', 'session_id', 'person_id', 'status', 'late_minutes', 'left_at', 'signed_at', 'method', 'signature_id', 'marked_by', 'reason'])
      .where('organisation_id', '=', organisationId).execute();
    const amendments = await trx.selectFrom('attendance_amendments')
      .select(['id', 'session_id', 'version', 'amended_by', 'amended_by_api_key', 'reason', 'changes', 'created_at'])
      .where('organisation_id', '=', organisationId).execute();
    const sheets = await trx.selectFrom('attendance_sheets')
      .select(['session_id', 'status', 'version', 'verification_code', 'locked_at', 'locked_by'])
      .where('organisation_id', '=', organisationId).execute();
    const signatures: SignatureFacts[] = [];
    for await (const s of readSignatureFacts(trx, organisationId)) signatures.push(s);
    const facts = verifyFacts(entries, {
      signatures,
      records: records.map((r) => ({ id: r.id, sessionId: r.session_id, personId: r.person_id, status: r.status, lateMinutes: r.late_minutes, leftAt: r.left_at, signedAt: r.signed_at, method: r.method, signatureId: r.signature_id, markedBy: r.marked_by, reason: r.reason })),
      amendments: amendments.map((a) => ({ id: a.id, sessionId: a.session_id, version: a.version, amendedBy: a.amended_by, amendedByApiKey: a.amended_by_api_key, reason: a.reason, changes: a.changes, createdAt: a.created_at })),
      sheets: sheets.map((s) => ({ sessionId: s.session_id, status: s.status, version: s.version, verificationCode: s.verification_code, lockedAt: s.locked_at, lockedBy: s.locked_by })),
    }, { maxProblems });

    const problems: VerificationProblem[] = [...chain.problems, ...anchorProblems, ...facts.problems].slice(0, maxProblems);
    const { problems: _p, firstProblem: _f, ...counts } = chain;
    return { ...counts, ok: problems.length === 0, checkedRows: facts.checkedRows, checkedAnchors: anchors.length, firstProblem: problems[0] ?? null, problems };
  });
}
