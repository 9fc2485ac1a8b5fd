import type { Tx } from '../../platform/db/tenant.ts';
import { newVerificationCode } from '../attendance/verification-code.ts';
import { computeAttendanceHours } from './attendance-hours.ts';
import { fileSlug } from './file-names.ts';
import { docLocale, LABELS } from './document-format.ts';
import { findLearnerProgramSessions, getLearnerEnrolmentInProgram } from './documents.repository.ts';
import { issueDocument } from './issue-document.ts';
import { type DocumentOrganisation, verifyUrl } from './produce-session-sheet.ts';
import { renderCertificate } from './render-certificate.ts';
import { loadEvidenceAnchor } from './sheet-data.ts';
import type { SealKey } from './seal-key.ts';

/**
 * Renders, seals and registers a learner's certificate of attendance for a
 * program in the caller's tenant transaction; null when the person is not
 * enrolled in any cohort of the program.
 */
export async function produceCertificate(
  trx: Tx,
  input: { organisation: DocumentOrganisation; seal: SealKey; personId: string; programId: string; publicUrl: string; issuedAt: Date; issuedBy: string | null },
) {
  const built = await buildCertificate(trx, input);
  if (!built) return null;
  return sealAndRegister(trx, input, built);
}

/** The unsealed certificate and what it says (also the bench's reference for the sealing cost). */
export async function buildCertificate(trx: Tx, input: { organisation: DocumentOrganisation; seal: SealKey; personId: string; programId: string; publicUrl: string; issuedAt: Date }) {
  const enrolment = await getLearnerEnrolmentInProgram(trx, input.personId, input.programId);
  if (!enrolment) return null;
  const sessions = await findLearnerProgramSessions(trx, input.personId, input.programId);
  const hours = computeAttendanceHours(
    sessions.map((s) => ({ startsAt: s.starts_at, endsAt: s.ends_at, status: s.status, lateMinutes: s.late_minutes, leftAt: s.left_at })),
    input.issuedAt,
  );
  const locale = docLocale(input.organisation.locale);
  const code = newVerificationCode();
  const learnerName = `${enrolment.given_name} ${enrolment.family_name}`;
  const unsealed = await renderCertificate({
    organisation: input.organisation,
    locale,
    learnerName,
    program: { title: enrolment.program_title, code: enrolment.program_code, funder: enrolment.funder, funding_reference: enrolment.funding_reference, cohort_name: enrolment.cohort_name },
    hours,
    sealFingerprint: input.seal.fingerprint,
    verificationCode: code,
    verifyUrl: verifyUrl(input.publicUrl, code),
    issuedAt: input.issuedAt,
    anchor: await loadEvidenceAnchor(trx),
  });
  return { enrolment, hours, locale, code, learnerName, unsealed };
}

async function sealAndRegister(
  trx: Tx,
  input: { organisation: DocumentOrganisation; seal: SealKey; personId: string; programId: string; publicUrl: string; issuedAt: Date; issuedBy: string | null },
  built: NonNullable<Awaited<ReturnType<typeof buildCertificate>>>,
) {
  const { enrolment, hours, locale, code, learnerName, unsealed } = built;
  const issued = await issueDocument(trx, {
    organisationId: input.organisation.id,
    organisationName: input.organisation.name,
    seal: input.seal,
    kind: 'certificate',
    subjectId: input.personId,
    verificationCode: code,
    sheetVersion: null,
    attests: {
      learner: learnerName,
      program: enrolment.program_title,
      programId: enrolment.program_id,
      cohort: enrolment.cohort_name,
      from: hours.firstDate?.toISOString() ?? null,
      to: hours.lastDate?.toISOString() ?? null,
      sessions: hours.sessions,
      heldSessions: hours.heldSessions,
      plannedHours: hours.plannedHours,
      heldHours: hours.heldHours,
      upcomingHours: hours.upcomingHours,
      attendedHours: hours.attendedHours,
      excusedHours: hours.excusedHours,
      absentHours: hours.absentHours,
      rate: hours.rate,
      rateExcludingExcused: hours.rateExcludingExcused,
      asOf: input.issuedAt.toISOString(),
    },
    reason: `${LABELS[locale].certificateTitle} — ${code}`,
    pdf: unsealed,
    issuedAt: input.issuedAt,
    issuedBy: input.issuedBy,
  });
  const slug = fileSlug(`${enrolment.family_name} ${enrolment.given_name}`, 'apprenant');
  return { pdf: issued.pdf, sha256: issued.sha256, verificationCode: code, hours, fileName: `certificat-${slug}-${code}.pdf` };
}
