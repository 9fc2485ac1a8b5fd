import { z } from 'zod';
import { type Ctx, hasRole, isOrgWide } from '../../platform/auth/actor.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { decodeCursor, toPage } from '../../platform/http/pagination.ts';
import { presentQuestionnaire, presentQuestionnaireSummary } from './questionnaire.presenter.ts';
import { findQuestionnaires, loadQuestionnaire } from './questionnaire.repository.ts';
import type { questionnaireListQuerySchema } from './questionnaires.schemas.ts';

/** Staff and trainers read questionnaires (trainers to see what their cohorts answer); learners answer by link only. */
export function assertCanReadQuestionnaires(ctx: Ctx): void {
  if (!isOrgWide(ctx.actor) && !hasRole(ctx.actor, 'trainer')) throw AppError.because('forbidden', 'questionnaires_staff_or_trainer');
}

export async function listQuestionnaires(db: Db, ctx: Ctx, query: z.infer<typeof questionnaireListQuerySchema>) {
  assertCanReadQuestionnaires(ctx);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const after = decodeCursor(query.cursor, [z.string(), z.uuid()] as const);
    const rows = await findQuestionnaires(trx, { limit: query.limit, after, ...(query.kind ? { kind: query.kind } : {}), ...(query.status ? { status: query.status } : {}) });
    return toPage(rows, query.limit, presentQuestionnaireSummary, (r) => [r.title, r.id]);
  });
}

export async function getQuestionnaire(db: Db, ctx: Ctx, id: string) {
  assertCanReadQuestionnaires(ctx);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const loaded = await loadQuestionnaire(trx, id);
    if (!loaded) throw notFound('Questionnaire');
    return presentQuestionnaire(loaded);
  });
}
