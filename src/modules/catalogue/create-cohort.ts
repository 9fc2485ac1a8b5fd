import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import type { cohortCreateSchema } from './catalogue.schemas.ts';
import { presentCohort } from './cohort.presenter.ts';
import { findCohortByName, getCohortById } from './cohort.repository.ts';
import { getProgramById } from './program.repository.ts';

export async function createCohort(db: Db, ctx: Ctx, input: z.infer<typeof cohortCreateSchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    if (!(await getProgramById(trx, input.programId))) {
      throw new AppError('not_found', 'Program was not found', { errors: [problemItem('body.programId', 'program_unknown')] });
    }
    if (await findCohortByName(trx, input.programId, input.name)) throw duplicateCohortName(input.name);
    const row = await trx
      .insertInto('cohorts')
      .values({ organisation_id: ctx.actor.organisationId, program_id: input.programId, name: input.name, starts_on: input.startsOn ?? null, ends_on: input.endsOn ?? null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, { type: 'cohort.created', subjectType: 'cohort', subjectId: row.id, payload: { programId: input.programId, name: input.name } });
    return presentCohort((await getCohortById(trx, row.id))!);
  });
}

export function duplicateCohortName(name: string): AppError {
  return new AppError('duplicate', `This program already has a cohort named "${name}".`, { errors: [problemItem('body.name', 'cohort_name_taken')] });
}
