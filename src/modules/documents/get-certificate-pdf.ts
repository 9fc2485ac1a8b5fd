import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { type Ctx, isOrgWide } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { actorPersonId } from './document-access.ts';
import { getOrganisationInfo } from './documents.repository.ts';
import { produceCertificate } from './produce-certificate.ts';
import { getOrCreateSealKey } from './seal-key.ts';

/** A learner's sealed certificate of attendance for a program: staff, or the learner themself (checked before any lookup). */
export async function getCertificatePdf(db: Db, ctx: Ctx, personId: string, programId: string, deps: { clock: Clock; publicUrl: string }) {
  if (!isOrgWide(ctx.actor) && actorPersonId(ctx.actor) !== personId) throw AppError.because('forbidden', 'certificate_staff_or_learner');
  const organisationId = ctx.actor.organisationId;
  return withTenant(db, organisationId, async (trx) => {
    const organisation = await getOrganisationInfo(trx, organisationId);
    const seal = await getOrCreateSealKey(trx, organisationId, organisation.name);
    const result = await produceCertificate(trx, { organisation, seal, personId, programId, publicUrl: deps.publicUrl, issuedAt: deps.clock.now(), issuedBy: actorPersonId(ctx.actor) });
    if (!result) throw notFound('An enrolment of this person in this program');
    await recordAuditEvent(trx, ctx, { type: 'document.issued', subjectType: 'person', subjectId: personId, payload: { kind: 'certificate', verificationCode: result.verificationCode, sha256: result.sha256, sheetVersion: null } });
    return result;
  });
}
