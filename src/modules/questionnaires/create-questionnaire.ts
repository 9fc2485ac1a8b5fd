import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { compact } from './editable.ts';
import { presentQuestionnaire } from './questionnaire.presenter.ts';
import { loadQuestionnaire } from './questionnaire.repository.ts';
import type { questionnaireCreateSchema } from './questionnaires.schemas.ts';

/** A new draft questionnaire with one empty section to add questions to. */
export async function createQuestionnaire(db: Db, ctx: Ctx, input: z.infer<typeof questionnaireCreateSchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const row = await trx
      .insertInto('questionnaires')
      .values({
        organisation_id: ctx.actor.organisationId,
        kind: input.kind,
        title: input.title,
        description: input.description ?? '',
        locale: input.locale ?? 'fr',
        anonymous: input.anonymous ?? false,
        settings: JSON.stringify(compact(input.settings ?? {})),
        template_key: null,
        created_by: ctx.actor.kind === 'person' ? ctx.actor.personId : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('questionnaire_sections').values({ organisation_id: ctx.actor.organisationId, questionnaire_id: row.id, title: '', position: 0 }).execute();
    await recordAuditEvent(trx, ctx, { type: 'questionnaire.created', subjectType: 'questionnaire', subjectId: row.id, payload: { kind: input.kind, title: input.title, templateKey: null } });
    return presentQuestionnaire((await loadQuestionnaire(trx, row.id))!);
  });
}
