import { type Ctx, isOrgWide } from '../../platform/auth/actor.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import { getSessionById } from '../catalogue/session.repository.ts';
import { isTrainerOfSession } from './attendance-session.ts';

/** The server-rendered PNG of a signature: for staff, a trainer of its session, or the signer; anyone else gets 404. */
export async function getSignaturePng(db: Db, ctx: Ctx, signatureId: string): Promise<{ png: Buffer; sha256: string }> {
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const row = await trx.selectFrom('signatures').select(['png', 'png_sha256', 'person_id', 'session_id']).where('id', '=', signatureId).executeTakeFirst();
    if (!row) throw notFound('Signature');
    const actor = ctx.actor;
    const allowed = isOrgWide(actor) || (actor.kind === 'person' && (actor.personId === row.person_id || (await isTrainerOfSession(trx, actor, (await getSessionById(trx, row.session_id))!))));
    if (!allowed) throw notFound('Signature');
    return { png: Buffer.from(row.png), sha256: row.png_sha256 };
  });
}
