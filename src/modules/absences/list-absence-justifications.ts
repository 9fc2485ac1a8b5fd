import { z } from 'zod';
import { type Ctx, isOrgWide } from '../../platform/auth/actor.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { decodeCursor, toPage } from '../../platform/http/pagination.ts';
import { EXTENSION_OF } from './detect-file-type.ts';
import { presentJustification } from './justification.presenter.ts';
import { findJustifications, findJustificationSessions, getJustificationById } from './justification.repository.ts';

/** Staff (admin, manager, API key) see every justification; a learner only their own; trainers none. */
function ownerFilter(ctx: Ctx): string | undefined {
  if (isOrgWide(ctx.actor)) return undefined;
  if (ctx.actor.kind === 'person' && ctx.actor.roles.includes('learner')) return ctx.actor.personId;
  throw AppError.because('forbidden', 'justifications_learner_or_manager');
}

export async function listAbsenceJustifications(db: Db, ctx: Ctx, q: { limit: number; cursor?: string; status?: string; personId?: string }) {
  const own = ownerFilter(ctx);
  const after = decodeCursor(q.cursor, [z.iso.datetime(), z.uuid()] as const);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const rows = await findJustifications(trx, { limit: q.limit, after, status: q.status, personId: own ?? q.personId });
    const sessions = await findJustificationSessions(trx, rows.map((r) => r.id));
    return toPage(rows, q.limit, (r) => presentJustification(r, sessions), (r) => [r.created_at.toISOString(), r.id]);
  });
}

export async function getAbsenceJustification(db: Db, ctx: Ctx, id: string) {
  const own = ownerFilter(ctx);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const row = await getJustificationById(trx, id);
    if (!row || (own && row.person_id !== own)) throw notFound('Absence justification');
    return presentJustification(row, await findJustificationSessions(trx, [id]));
  });
}

/** The attached file, with the type detected at upload (never the one the uploader declared). */
export async function getAbsenceJustificationFile(db: Db, ctx: Ctx, id: string): Promise<{ data: Buffer; type: string; filename: string; sha256: string }> {
  const own = ownerFilter(ctx);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const row = await trx.selectFrom('absence_justifications').select(['person_id', 'file_data', 'file_type', 'file_sha256']).where('id', '=', id).executeTakeFirst();
    if (!row || (own && row.person_id !== own)) throw notFound('Absence justification');
    if (!row.file_data || !row.file_type || !row.file_sha256) throw notFound('The file of this justification (none was attached)');
    return { data: row.file_data, type: row.file_type, filename: `justification-${id}.${EXTENSION_OF[row.file_type]}`, sha256: row.file_sha256 };
  });
}
