import { z } from 'zod';
import { type Ctx, isOrgWide } from '../../platform/auth/actor.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import { decodeCursor, toPage } from '../../platform/http/pagination.ts';
import { scopeFor } from './access.ts';
import { presentProgram } from './program.presenter.ts';
import { findPrograms, getProgramById } from './program.repository.ts';

/** Staff see every program; trainers and learners only those of their cohorts. */
export async function listPrograms(db: Db, ctx: Ctx, q: { limit: number; cursor?: string; q?: string; includeArchived?: boolean }) {
  const after = decodeCursor(q.cursor, [z.string(), z.uuid()] as const);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const rows = await findPrograms(trx, {
      limit: q.limit,
      after,
      includeArchived: q.includeArchived ?? false,
      query: q.q,
      visibleTo: isOrgWide(ctx.actor) || ctx.actor.kind !== 'person' ? undefined : ctx.actor.personId,
    });
    return toPage(rows, q.limit, presentProgram, (r) => [r.title, r.id]);
  });
}

export async function getProgram(db: Db, ctx: Ctx, id: string) {
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const row = await getProgramById(trx, id);
    if (!row) throw notFound('Program');
    const scope = await scopeFor(trx, ctx.actor);
    if (!scope.all) {
      const cohort = await trx.selectFrom('cohorts').select('id').where('program_id', '=', id).where('id', 'in', scope.cohortIds.length ? scope.cohortIds : ['00000000-0000-0000-0000-000000000000']).executeTakeFirst();
      if (!cohort) throw notFound('Program');
    }
    return presentProgram(row);
  });
}
