import { randomBytes } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import forge from 'node-forge';
import { PDFDict, PDFDocument, PDFHexString, PDFName, PDFString } from 'pdf-lib';
import type { Db } from '../../platform/db/database.ts';
import { PDF_ANCHOR_KEY } from '../../platform/pdf/create-pdf-document.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import type { EvidenceBatch } from './evidence-chain.ts';
import { toBatch } from './seal-evidence.ts';
import type { BatchAnchor } from './verify-evidence.ts';

/**
 * Anchors of sealed evidence batches outside the database (issue 12): whoever
 * can rewrite the database can rewrite its log from an altered entry onwards,
 * or roll the seal back; a batch remembered elsewhere says that it existed and
 * what its hash was.
 * - The anchor file (EVIDENCE_ANCHOR_FILE): one JSON line per batch, appended
 *   (O_APPEND) after the batch commits; `emarge verify --anchors FILE` checks it.
 * - RFC 3161 (TSA_URL): the batch hash (a SHA-256) is the message imprint of a
 *   TimeStampReq; the authority's token is kept in `evidence_anchors` and
 *   checked by verify (imprint = batch hash); `openssl ts -verify -digest HASH`
 *   checks its signature against the authority's certificate.
 * - The `evidence.batch_sealed` webhook (seal-evidence.ts) and every sheet PDF
 *   (the latest batch printed and in the document's metadata, PDF_ANCHOR_KEY).
 * A batch without its anchor row is anchored at the next sealing run.
 */


export interface AnchorLine {
  organisationId: string;
  batchNumber: number;
  firstSeq: number;
  lastSeq: number;
  merkleRoot: string;
  headChainHash: string;
  batchHash: string;
  sealedAt: string;
}

export function anchorLine(batch: EvidenceBatch): string {
  const line: AnchorLine = {
    organisationId: batch.organisationId, batchNumber: batch.batchNumber, firstSeq: batch.firstSeq, lastSeq: batch.lastSeq,
    merkleRoot: batch.merkleRoot, headChainHash: batch.headChainHash, batchHash: batch.batchHash, sealedAt: batch.sealedAt,
  };
  return `${JSON.stringify(line)}\n`;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Parses an anchor file (JSON lines); throws naming the first line that is not an anchor. */
export function parseAnchorFile(text: string, source: string): BatchAnchor[] {
  const anchors: BatchAnchor[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let v: Partial<AnchorLine>;
    try {
      v = JSON.parse(line) as Partial<AnchorLine>;
    } catch {
      throw new Error(`${source} line ${i + 1} is not JSON`);
    }
    if (typeof v.organisationId !== 'string' || !Number.isInteger(v.batchNumber) || typeof v.batchHash !== 'string' || !HEX64.test(v.batchHash)) {
      throw new Error(`${source} line ${i + 1} is not an evidence anchor (organisationId, batchNumber, batchHash)`);
    }
    anchors.push({
      organisationId: v.organisationId, batchNumber: v.batchNumber!, batchHash: v.batchHash,
      merkleRoot: typeof v.merkleRoot === 'string' ? v.merkleRoot : undefined, lastSeq: Number.isInteger(v.lastSeq) ? v.lastSeq : undefined,
      source: `${source} line ${i + 1}`,
    });
  });
  return anchors;
}

/** What a PDF records of the evidence log: the batch it was issued after (null when it carries none). */
export async function readPdfAnchor(bytes: Uint8Array, source: string): Promise<BatchAnchor | null> {
  const pdf = await PDFDocument.load(bytes, { updateMetadata: false, ignoreEncryption: true });
  const info = pdf.context.lookup(pdf.context.trailerInfo.Info);
  const value = info instanceof PDFDict ? info.lookup(PDFName.of(PDF_ANCHOR_KEY)) : undefined;
  if (!(value instanceof PDFString || value instanceof PDFHexString)) return null;
  const v = JSON.parse(value.decodeText()) as Partial<AnchorLine>;
  if (typeof v.organisationId !== 'string' || !Number.isInteger(v.batchNumber) || typeof v.batchHash !== 'string') return null;
  return { organisationId: v.organisationId, batchNumber: v.batchNumber!, batchHash: v.batchHash, merkleRoot: v.merkleRoot, lastSeq: v.lastSeq, source: `PDF ${source}` };
}

/** The Info dictionary entry a sealed document carries (see createPdfDocument's `evidenceAnchor`). */
export function pdfAnchorText(batch: Pick<AnchorLine, 'organisationId' | 'batchNumber' | 'batchHash' | 'merkleRoot' | 'lastSeq'>): string {
  return JSON.stringify({ organisationId: batch.organisationId, batchNumber: batch.batchNumber, batchHash: batch.batchHash, merkleRoot: batch.merkleRoot, lastSeq: batch.lastSeq });
}

// ---- RFC 3161

const asn1 = forge.asn1;
const SHA256_OID = '2.16.840.1.101.3.4.2.1';

/** A DER TimeStampReq (RFC 3161 §2.4.1) for a SHA-256 digest, asking for the TSA's certificate, with a nonce. */
export function buildTimeStampRequest(sha256Hex: string, nonce: Buffer = randomBytes(8)): { der: Buffer; nonce: Buffer } {
  if (!HEX64.test(sha256Hex)) throw new RangeError('a SHA-256 digest in hex is required');
  const n = Buffer.from(nonce);
  if (n[0]! & 0x80) n[0]! &= 0x7f; // a positive INTEGER
  const req = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, String.fromCharCode(1)),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(SHA256_OID).getBytes()),
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
      ]),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, Buffer.from(sha256Hex, 'hex').toString('binary')),
    ]),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, n.toString('binary')),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BOOLEAN, false, String.fromCharCode(0xff)),
  ]);
  return { der: Buffer.from(asn1.toDer(req).getBytes(), 'binary'), nonce: n };
}

export interface TimeStampInfo {
  /** The message imprint (hex) the token time-stamps. */
  digest: string;
  hashAlgorithm: string;
  genTime: Date;
  nonce: string | null;
  serialNumber: string;
}

const bytesOf = (node: forge.asn1.Asn1): string => (typeof node.value === 'string' ? node.value : '');
const children = (node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] => (node && Array.isArray(node.value) ? node.value : []);

/** Reads the TSTInfo of a time-stamp token (DER ContentInfo of a SignedData). Throws when it is not one. */
export function readTimeStampToken(token: Uint8Array): TimeStampInfo {
  const contentInfo = asn1.fromDer(forge.util.createBuffer(Buffer.from(token).toString('binary')), false);
  const [type, explicit] = children(contentInfo);
  if (!type || asn1.derToOid(bytesOf(type)) !== '1.2.840.113549.1.7.2') throw new Error('not a CMS SignedData');
  const signedData = children(explicit)[0];
  const encap = children(signedData)[2];
  const [eType, eExplicit] = children(encap);
  if (!eType || asn1.derToOid(bytesOf(eType)) !== '1.2.840.113549.1.9.16.1.4') throw new Error('not a TSTInfo');
  let octets = children(eExplicit)[0]!;
  // The eContent OCTET STRING may be constructed (BER): join its parts.
  const der = Array.isArray(octets.value) ? octets.value.map(bytesOf).join('') : bytesOf(octets);
  const tst = children(asn1.fromDer(forge.util.createBuffer(der), false));
  const imprint = children(tst[2]);
  const algorithm = asn1.derToOid(bytesOf(children(imprint[0])[0]!));
  const genTime = asn1.generalizedTimeToDate(bytesOf(tst[4]!));
  const nonceNode = tst.slice(5).find((n) => n.tagClass === asn1.Class.UNIVERSAL && n.type === asn1.Type.INTEGER);
  octets = imprint[1]!;
  return {
    digest: Buffer.from(bytesOf(octets), 'binary').toString('hex'),
    hashAlgorithm: algorithm === SHA256_OID ? 'sha256' : algorithm,
    genTime,
    nonce: nonceNode ? Buffer.from(bytesOf(nonceNode), 'binary').toString('hex') : null,
    serialNumber: Buffer.from(bytesOf(tst[3]!), 'binary').toString('hex'),
  };
}

/** Asks the authority at `url` to time-stamp a SHA-256 digest; returns the token (DER) once its imprint and nonce check out. */
export async function requestTimeStamp(url: string, sha256Hex: string, opts: { timeoutMs?: number } = {}): Promise<Buffer> {
  const { der, nonce } = buildTimeStampRequest(sha256Hex);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: new Uint8Array(der), signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000) });
  if (!res.ok) throw new Error(`the time-stamp authority answered HTTP ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  const resp = children(asn1.fromDer(forge.util.createBuffer(body.toString('binary')), false));
  const status = bytesOf(children(resp[0])[0]!).charCodeAt(0);
  if (status !== 0 && status !== 1) throw new Error(`the time-stamp authority refused the request (PKIStatus ${status})`);
  if (!resp[1]) throw new Error('the time-stamp authority sent no token');
  const token = Buffer.from(asn1.toDer(resp[1]).getBytes(), 'binary');
  const info = readTimeStampToken(token);
  if (info.digest !== sha256Hex || info.hashAlgorithm !== 'sha256') throw new Error('the time-stamp token does not stamp the batch hash');
  if (info.nonce !== null && BigInt(`0x${info.nonce}`) !== BigInt(`0x${nonce.toString('hex')}`)) throw new Error('the time-stamp token does not answer this request (nonce)');
  return token;
}

// ---- Anchoring after sealing

export interface EvidenceAnchoring {
  file: string | null;
  tsaUrl: string | null;
}

/**
 * Anchors the organisation's sealed batches that are not anchored yet (each
 * kind configured): appends their lines to the anchor file, time-stamps their
 * hashes. A failure leaves the batch for the next run and is returned, not
 * thrown (the seal itself committed).
 */
export async function anchorBatches(db: Db, organisationId: string, anchoring: EvidenceAnchoring): Promise<{ anchored: number; errors: string[] }> {
  const kinds: { kind: 'file' | 'tsa'; target: string }[] = [];
  if (anchoring.file) kinds.push({ kind: 'file', target: anchoring.file });
  if (anchoring.tsaUrl) kinds.push({ kind: 'tsa', target: anchoring.tsaUrl });
  let anchored = 0;
  const errors: string[] = [];
  for (const { kind, target } of kinds) {
    const pending = await withTenant(db, organisationId, (trx) => trx.selectFrom('evidence_batches as b').selectAll('b')
      .where('b.organisation_id', '=', organisationId)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('evidence_anchors as a').select('a.batch_number').whereRef('a.organisation_id', '=', 'b.organisation_id').whereRef('a.batch_number', '=', 'b.batch_number').where('a.kind', '=', kind))))
      .orderBy('b.batch_number').execute());
    for (const row of pending) {
      const batch = toBatch(row);
      try {
        const token = kind === 'tsa' ? await requestTimeStamp(target, batch.batchHash) : null;
        if (kind === 'file') await appendFile(target, anchorLine(batch), { flag: 'a' });
        await withTenant(db, organisationId, (trx) => trx.insertInto('evidence_anchors')
          .values({ organisation_id: organisationId, batch_number: batch.batchNumber, kind, target, batch_hash: batch.batchHash, token })
          .onConflict((oc) => oc.columns(['organisation_id', 'batch_number', 'kind']).doNothing()).execute());
        anchored++;
      } catch (error) {
        errors.push(`batch ${batch.batchNumber} (${kind}): ${(error as Error).message}`);
        break; // in order: a later batch is not anchored before an earlier one
      }
    }
  }
  return { anchored, errors };
}
