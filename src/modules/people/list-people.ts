import { z } from 'zod';
import type { Ctx } from '../../platform/auth/actor.ts';
import type { Db } from '../../platform/db/database.ts';
import { type Tx, withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import { decodeCursor, toPage } from '../../platform/http/pagination.ts';
import { scopeFor } from '../catalogue/access.ts';
import { presentPerson } from './person.presenter.ts';
import { findPeople, getPersonById, isPersonInCohorts, type PeopleVisibility } from './person.repository.ts';
import type { Role } from './person.table.ts';

/**
 * Who may read whom: staff everyone; a trainer themselves and the people
 * (learners and trainers) of the cohorts they train; anyone else only themselves.
 */
export async function peopleVisibility(trx: Tx, ctx: Ctx): Promise<PeopleVisibility | undefined> {
  const scope = await scopeFor(trx, ctx.actor);
  if (scope.all) return undefined;
  return { personId: scope.personId, cohortIds: scope.isTrainer ? scope.cohortIds : [] };
}

export async function listPeople(
  db: Db,
  ctx: Ctx,
  q: { limit: number; cursor?: string; role?: Role; q?: string; cohortId?: string; includeArchived?: boolean },
) {
  const after = decodeCursor(q.cursor, [z.string(), z.string(), z.uuid()] as const);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const rows = await findPeople(trx, {
      limit: q.limit,
      after,
      role: q.role,
      query: q.q,
      cohortId: q.cohortId,
      includeArchived: q.includeArchived ?? false,
      visibleTo: await peopleVisibility(trx, ctx),
    });
    return toPage(rows, q.limit, presentPerson, (r) => [r.family_name, r.given_name, r.id]);
  });
}

export async function getPerson(db: Db, ctx: Ctx, id: string) {
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const row = await getPersonById(trx, id);
    if (!row) throw notFound('Person');
    const visibility = await peopleVisibility(trx, ctx);
    if (visibility && visibility.personId !== id && !(await isPersonInCohorts(trx, id, visibility.cohortIds))) throw notFound('Person');
    return presentPerson(row);
  });
}
