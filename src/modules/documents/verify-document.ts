import { createHash } from 'node:crypto';
import type { Db } from '../../platform/db/database.ts';
import { withSystem } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import { verifySealedPdf } from '../../platform/pdf/verify-sealed-pdf.ts';
import { findIssuedByCode, findIssuedBySha, getSheetStateSystem } from './documents.repository.ts';

/**
 * Public verification (no sign-in: the code, or the PDF itself, is the
 * capability). Reads across organisations on purpose, and shows only what the
 * document itself prints.
 */
type IssuedRow = NonNullable<Awaited<ReturnType<typeof findIssuedBySha>>>;

async function describeIssued(db: Db, row: IssuedRow) {
  const attests = (typeof row.attests === 'string' ? JSON.parse(row.attests) : row.attests) as Record<string, unknown>;
  let latestVersion: number | null = null;
  let currentStatus: string | null = null;
  if (row.kind === 'session_sheet') {
    const state = await withSystem(db, (trx) => getSheetStateSystem(trx, row.organisation_id, row.subject_id));
    latestVersion = state?.version ?? null;
    currentStatus = state?.status ?? null;
  }
  return {
    kind: row.kind,
    organisation: row.organisation_name,
    verificationCode: row.verification_code,
    version: row.sheet_version,
    latestVersion,
    isLatestVersion: row.sheet_version === null || latestVersion === null ? null : row.sheet_version === latestVersion,
    currentSheetStatus: currentStatus,
    issuedAt: new Date(row.issued_at).toISOString(),
    sha256: row.sha256,
    sealFingerprint: row.seal_fingerprint,
    attests,
  };
}

export async function verifyByCode(db: Db, code: string) {
  const rows = await withSystem(db, (trx) => findIssuedByCode(trx, code.trim().toUpperCase()));
  const latest = rows[0];
  if (!latest) throw notFound('A document with this verification code');
  return { valid: true, issuedCopies: rows.length, ...(await describeIssued(db, latest)) };
}

/** The verification code a sealed PDF claims (written in its signature's /ContactInfo), if any. */
function claimedCode(bytes: Buffer): string | null {
  const hex = /\/ContactInfo\s*<([0-9A-Fa-f\s]*)>/.exec(bytes.toString('latin1'));
  if (!hex) return null;
  let raw = Buffer.from(hex[1]!.replace(/\s/g, ''), 'hex');
  let text: string;
  if (raw.length >= 2 && raw[0] === 0xfe && raw[1] === 0xff) {
    raw = Buffer.from(raw.subarray(2));
    raw.swap16();
    text = raw.toString('utf16le');
  } else text = raw.toString('latin1');
  return /verification code ([A-Z0-9]{6,20})/.exec(text)?.[1] ?? null;
}

export async function verifyPdf(db: Db, bytes: Buffer) {
  const seal = verifySealedPdf(bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const issued = await withSystem(db, (trx) => findIssuedBySha(trx, sha256));
  const document = issued ? await describeIssued(db, issued) : null;
  const fingerprintMatches = document !== null && seal.signer !== null && seal.signer.fingerprint === document.sealFingerprint;
  const reasons: string[] = [];
  if (!seal.intact) reasons.push(seal.failure ?? 'the seal does not verify');
  if (seal.intact && !seal.coversWholeDocument) reasons.push('bytes were added after the seal');
  if (!issued) reasons.push('these exact bytes were never issued by Emarge');
  else if (!fingerprintMatches) reasons.push('sealed with a certificate other than the one registered for this document');
  return {
    valid: seal.intact && seal.coversWholeDocument && issued !== undefined && fingerprintMatches,
    intact: seal.intact,
    coversWholeDocument: seal.coversWholeDocument,
    reason: reasons.length ? reasons.join('; ') : null,
    sealedBy: seal.signer
      ? { commonName: seal.signer.commonName, organisation: seal.signer.organisation, fingerprint: seal.signer.fingerprint, validFrom: seal.signer.validFrom.toISOString(), validTo: seal.signer.validTo.toISOString() }
      : null,
    signingTime: seal.signingTime ? seal.signingTime.toISOString() : null,
    sha256,
    matchesIssuedDocument: issued !== undefined,
    claimedVerificationCode: claimedCode(bytes),
    document,
  };
}
