import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { sql } from 'kysely';
import type { Tx } from '../../platform/db/tenant.ts';
import { generateSealCertificate } from '../../platform/pdf/generate-seal-certificate.ts';
import { readPkcs12 } from '../../platform/pdf/read-pkcs12.ts';

export interface SealKey {
  p12: Buffer;
  passphrase: string;
  /** SHA-256 of the certificate's DER, lowercase hex. */
  fingerprint: string;
}

/** X.509 allows at most 64 characters in CN and O. */
function certificateName(organisationName: string): string {
  const name = organisationName.trim().replace(/\s+/g, ' ');
  return (name.length > 64 ? name.slice(0, 64).trimEnd() : name) || 'Emarge';
}

/**
 * The organisation's sealing key: its own PKCS#12 when it uploaded one, else a
 * self-signed one generated at first use (RSA 3072, 10 years) and stored in
 * organisation_secrets. Safe under concurrency: when two first uses race, the
 * row lock of the upsert lets one key win and both callers return that one.
 * The organisation_secrets row may already exist (qr_key, from attendance);
 * when this creates it, it fills qr_key with 32 random bytes as well.
 */
export async function getOrCreateSealKey(trx: Tx, organisationId: string, organisationName: string): Promise<SealKey> {
  const existing = await findSealKey(trx, organisationId);
  if (existing) return existing;
  const generated = generateSealCertificate({ organisationName: certificateName(organisationName) });
  await sql`
    INSERT INTO organisation_secrets (organisation_id, qr_key, seal_p12, seal_passphrase, seal_fingerprint, seal_created_at)
    VALUES (${organisationId}, ${randomBytes(32)}, ${generated.p12}, ${generated.passphrase}, ${generated.fingerprint}, now())
    ON CONFLICT (organisation_id) DO UPDATE
      SET seal_p12 = EXCLUDED.seal_p12, seal_passphrase = EXCLUDED.seal_passphrase,
          seal_fingerprint = EXCLUDED.seal_fingerprint, seal_created_at = EXCLUDED.seal_created_at
      WHERE organisation_secrets.seal_p12 IS NULL
  `.execute(trx);
  const stored = await findSealKey(trx, organisationId);
  if (!stored) throw new Error('the seal key could not be stored');
  return stored;
}

export async function findSealKey(trx: Tx, organisationId: string): Promise<SealKey | null> {
  const row = await trx
    .selectFrom('organisation_secrets')
    .select(['seal_p12', 'seal_passphrase', 'seal_fingerprint'])
    .where('organisation_id', '=', organisationId)
    .executeTakeFirst();
  if (!row?.seal_p12 || row.seal_passphrase === null || !row.seal_fingerprint) return null;
  return { p12: Buffer.from(row.seal_p12), passphrase: row.seal_passphrase, fingerprint: row.seal_fingerprint };
}

/** Replaces the organisation's seal with a PKCS#12 that has already been opened and checked (see describeSealCertificate). */
export async function storeSealKey(trx: Tx, organisationId: string, key: SealKey): Promise<void> {
  await sql`
    INSERT INTO organisation_secrets (organisation_id, qr_key, seal_p12, seal_passphrase, seal_fingerprint, seal_created_at)
    VALUES (${organisationId}, ${randomBytes(32)}, ${key.p12}, ${key.passphrase}, ${key.fingerprint}, now())
    ON CONFLICT (organisation_id) DO UPDATE
      SET seal_p12 = EXCLUDED.seal_p12, seal_passphrase = EXCLUDED.seal_passphrase,
          seal_fingerprint = EXCLUDED.seal_fingerprint, seal_created_at = EXCLUDED.seal_created_at
  `.execute(trx);
}

export interface SealCertificateInfo {
  fingerprint: string;
  subject: string;
  issuer: string;
  serialNumber: string;
  validFrom: string;
  validTo: string;
  selfSigned: boolean;
  keyType: string;
  keyBits: number | null;
}

/** Opens a PKCS#12 (throws Pkcs12Error when it cannot) and describes its sealing certificate. */
export function describeSealCertificate(p12: Uint8Array, passphrase: string): SealCertificateInfo {
  const { certificate, privateKey } = readPkcs12(p12, passphrase);
  const x509 = new X509Certificate(certificate);
  return {
    fingerprint: createHash('sha256').update(certificate).digest('hex'),
    subject: x509.subject.replace(/\n/g, ', '),
    issuer: x509.issuer.replace(/\n/g, ', '),
    serialNumber: x509.serialNumber,
    validFrom: new Date(x509.validFrom).toISOString(),
    validTo: new Date(x509.validTo).toISOString(),
    // Issuer = subject and signed by its own key (checkIssued would also demand keyCertSign, which a seal lacks).
    selfSigned: x509.issuer === x509.subject && x509.verify(x509.publicKey),
    keyType: privateKey.asymmetricKeyType ?? 'unknown',
    keyBits: (privateKey.asymmetricKeyDetails?.modulusLength as number | undefined) ?? null,
  };
}
