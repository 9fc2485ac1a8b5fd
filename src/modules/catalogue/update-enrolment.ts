import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import type { EnrolmentStatus } from './catalogue.table.ts';
import { presentEnrolment } from './enrolment.presenter.ts';
import { getEnrolmentById } from './enrolment.repository.ts';

/** Changes an enrolment's status; withdrawing stamps withdrawn_at, any other status clears it. */
export async function updateEnrolment({ db, clock }: { db: Db; clock: Clock }, ctx: Ctx, id: string, input: { status: EnrolmentStatus }) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const existing = await getEnrolmentById(trx, id);
    if (!existing) throw notFound('Enrolment');
    if (existing.status === input.status) return presentEnrolment(existing);
    await trx
      .updateTable('enrolments')
      .set({ status: input.status, withdrawn_at: input.status === 'withdrawn' ? clock.now() : null })
      .where('id', '=', id)
      .execute();
    await recordAuditEvent(trx, ctx, { type: 'enrolment.updated', subjectType: 'enrolment', subjectId: id, payload: { changes: { status: input.status } } });
    return presentEnrolment((await getEnrolmentById(trx, id))!);
  });
}
