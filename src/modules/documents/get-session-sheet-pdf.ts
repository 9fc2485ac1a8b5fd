import { type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import { actorPersonId, assertMayReadSheets, assertSheetScope } from './document-access.ts';
import { getOrganisationInfo, getSessionContext } from './documents.repository.ts';
import { produceSessionSheet } from './produce-session-sheet.ts';
import { getOrCreateSealKey } from './seal-key.ts';

/**
 * The sealed attendance sheet of one session, for staff and the trainers of
 * its cohort. Each download is a new issuance, registered for verification.
 */
export async function getSessionSheetPdf(db: Db, ctx: Ctx, sessionId: string, deps: { clock: Clock; publicUrl: string }) {
  assertMayReadSheets(ctx.actor);
  const organisationId = ctx.actor.organisationId;
  return withTenant(db, organisationId, async (trx) => {
    const session = await getSessionContext(trx, sessionId);
    if (!session) throw notFound('Session');
    await assertSheetScope(trx, ctx.actor, session.cohort_id, 'Session');
    const organisation = await getOrganisationInfo(trx, organisationId);
    const seal = await getOrCreateSealKey(trx, organisationId, organisation.name);
    const result = await produceSessionSheet(trx, { organisation, seal, session, publicUrl: deps.publicUrl, issuedAt: deps.clock.now(), issuedBy: actorPersonId(ctx.actor) });
    await recordAuditEvent(trx, ctx, {
      type: 'document.issued',
      subjectType: 'session',
      subjectId: session.id,
      payload: { kind: 'session_sheet', verificationCode: result.verificationCode, sha256: result.sha256, sheetVersion: result.version },
    });
    return result;
  });
}
