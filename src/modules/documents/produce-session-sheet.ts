import type { Tx } from '../../platform/db/tenant.ts';
import { ensureSheet } from '../attendance/ensure-sheet.ts';
import { docLocale, LABELS } from './document-format.ts';
import type { SessionContextRow } from './documents.repository.ts';
import { issueDocument } from './issue-document.ts';
import { renderSessionSheet } from './render-session-sheet.ts';
import type { SealKey } from './seal-key.ts';
import { loadEvidenceAnchor, loadSessionSheets, type SessionSheetData } from './sheet-data.ts';

export interface DocumentOrganisation {
  id: string;
  name: string;
  locale: string;
  timezone: string;
}

export function verifyUrl(publicUrl: string, code: string): string {
  return `${publicUrl}/verify/${code}`;
}

/** Counts by status, as the verification endpoints show them. */
export function countStatuses(lines: SessionSheetData['learners']): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const l of lines) counts[l.status] = (counts[l.status] ?? 0) + 1;
  return counts;
}

/**
 * Renders, seals and registers one session's sheet in the caller's tenant
 * transaction (the sheet and its records are created first when missing).
 */
export async function produceSessionSheet(
  trx: Tx,
  input: { organisation: DocumentOrganisation; seal: SealKey; session: SessionContextRow; publicUrl: string; issuedAt: Date; issuedBy: string | null },
): Promise<{ pdf: Buffer; sha256: string; verificationCode: string; version: number; fileName: string }> {
  const { organisation, session } = input;
  await ensureSheet(trx, session.id);
  const data = (await loadSessionSheets(trx, [session])).get(session.id)!;
  const sheet = data.sheet!;
  const locale = docLocale(organisation.locale);
  const url = verifyUrl(input.publicUrl, sheet.verificationCode);
  const unsealed = await renderSessionSheet({
    organisation,
    locale,
    data: { ...data, sheet },
    anchor: await loadEvidenceAnchor(trx),
    verifyUrl: url,
    issuedAt: input.issuedAt,
  });
  const issued = await issueDocument(trx, {
    organisationId: organisation.id,
    organisationName: organisation.name,
    seal: input.seal,
    kind: 'session_sheet',
    subjectId: session.id,
    verificationCode: sheet.verificationCode,
    sheetVersion: sheet.version,
    attests: {
      program: session.program_title,
      module: session.module_title,
      cohort: session.cohort_name,
      date: session.date,
      halfDay: session.half_day,
      startsAt: session.starts_at.toISOString(),
      endsAt: session.ends_at.toISOString(),
      timezone: organisation.timezone,
      sheetStatus: sheet.status,
      learners: data.learners.length,
      signed: data.learners.filter((l) => l.signedAt !== null).length,
      statuses: countStatuses(data.learners),
      trainersSigned: data.trainers.filter((l) => l.signedAt !== null).length,
    },
    reason: `${LABELS[locale].sheetTitle} — ${sheet.verificationCode}`,
    pdf: unsealed,
    issuedAt: input.issuedAt,
    issuedBy: input.issuedBy,
  });
  const fileName = `feuille-${session.date}-${session.half_day}-${sheet.verificationCode}-v${sheet.version}.pdf`;
  return { pdf: issued.pdf, sha256: issued.sha256, verificationCode: sheet.verificationCode, version: sheet.version, fileName };
}
