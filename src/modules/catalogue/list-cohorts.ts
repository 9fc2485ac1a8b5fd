import { z } from 'zod';
import type { Ctx } from '../../platform/auth/actor.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import { decodeCursor, toPage } from '../../platform/http/pagination.ts';
import { canSeeCohort, scopeFor } from './access.ts';
import { presentCohort } from './cohort.presenter.ts';
import { findCohorts, getCohortById } from './cohort.repository.ts';

/** Staff see every cohort; trainers the cohorts they train; learners the cohorts they are enrolled in. */
export async function listCohorts(db: Db, ctx: Ctx, q: { limit: number; cursor?: string; programId?: string; q?: string; includeArchived?: boolean }) {
  const after = decodeCursor(q.cursor, [z.string(), z.uuid()] as const);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const scope = await scopeFor(trx, ctx.actor);
    const rows = await findCohorts(trx, {
      limit: q.limit,
      after,
      programId: q.programId,
      query: q.q,
      includeArchived: q.includeArchived ?? false,
      cohortIds: scope.all ? undefined : scope.cohortIds,
    });
    return toPage(rows, q.limit, presentCohort, (r) => [r.name, r.id]);
  });
}

export async function getCohort(db: Db, ctx: Ctx, id: string) {
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const row = await getCohortById(trx, id);
    if (!row || !canSeeCohort(await scopeFor(trx, ctx.actor), id)) throw notFound('Cohort');
    return presentCohort(row);
  });
}
