import { z } from 'zod';
import type { Ctx } from '../../platform/auth/actor.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import { decodeCursor, toPage } from '../../platform/http/pagination.ts';
import { getOrganisationTimezone } from '../organisations/organisation.repository.ts';
import { canSeeCohort, scopeFor } from './access.ts';
import { presentSession } from './session.presenter.ts';
import { findSessions, getSessionById } from './session.repository.ts';

/**
 * The calendar: sessions on local dates from..to (at most 62 days, checked by
 * the schema), sorted by start. Staff see all; trainers and learners only the
 * sessions of their cohorts.
 */
export async function listSessions(db: Db, ctx: Ctx, q: { from: string; to: string; limit: number; cursor?: string; cohortId?: string; trainerId?: string }) {
  const after = decodeCursor(q.cursor, [z.iso.datetime(), z.uuid()] as const);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const scope = await scopeFor(trx, ctx.actor);
    const timezone = await getOrganisationTimezone(trx, ctx.actor.organisationId);
    const rows = await findSessions(trx, {
      from: q.from,
      to: q.to,
      limit: q.limit,
      after,
      cohortId: q.cohortId,
      trainerId: q.trainerId,
      cohortIds: scope.all ? undefined : scope.cohortIds,
    });
    return toPage(rows, q.limit, (r) => presentSession(r, timezone), (r) => [r.starts_at.toISOString(), r.id]);
  });
}

export async function getSession(db: Db, ctx: Ctx, id: string) {
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const row = await getSessionById(trx, id);
    if (!row || !canSeeCohort(await scopeFor(trx, ctx.actor), row.cohort_id)) throw notFound('Session');
    return presentSession(row, await getOrganisationTimezone(trx, ctx.actor.organisationId));
  });
}
