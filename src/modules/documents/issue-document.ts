import { createHash } from 'node:crypto';
import type { Tx } from '../../platform/db/tenant.ts';
import { sealPdf } from '../../platform/pdf/seal-pdf.ts';
import { insertIssuedDocument } from './documents.repository.ts';
import type { IssuedDocumentKind } from './documents.table.ts';
import type { SealKey } from './seal-key.ts';

export interface IssueDocumentInput {
  organisationId: string;
  organisationName: string;
  seal: SealKey;
  kind: IssuedDocumentKind;
  subjectId: string;
  verificationCode: string;
  sheetVersion: number | null;
  attests: Record<string, unknown>;
  reason: string;
  pdf: Uint8Array;
  issuedAt: Date;
  issuedBy: string | null;
}

/**
 * Seals a rendered PDF with the organisation's seal (PAdES B-B) and registers
 * it (code, SHA-256 of the sealed bytes, what it attests) in the caller's
 * transaction, so that the verification endpoints can find it by code or by
 * its bytes. Returns the sealed PDF and its hash.
 */
export async function issueDocument(trx: Tx, input: IssueDocumentInput): Promise<{ pdf: Buffer; sha256: string; id: string }> {
  const sealed = await sealPdf(input.pdf, {
    p12: input.seal.p12,
    passphrase: input.seal.passphrase,
    reason: input.reason,
    name: input.organisationName,
    contactInfo: `verification code ${input.verificationCode}`,
    signingTime: input.issuedAt,
  });
  const sha256 = createHash('sha256').update(sealed).digest('hex');
  const row = await insertIssuedDocument(trx, {
    organisation_id: input.organisationId,
    kind: input.kind,
    subject_id: input.subjectId,
    verification_code: input.verificationCode,
    sha256,
    sheet_version: input.sheetVersion,
    attests: input.attests,
    seal_fingerprint: input.seal.fingerprint,
    issued_at: input.issuedAt,
    issued_by: input.issuedBy,
  });
  return { pdf: sealed, sha256, id: row.id };
}
