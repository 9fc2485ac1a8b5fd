import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { insertQuizItems, parseQuizItems } from './import-quiz.ts';
import { presentQuestionnaire } from './questionnaire.presenter.ts';
import { loadQuestionnaire } from './questionnaire.repository.ts';
import type { importNewQuizSchema } from './questionnaires.schemas.ts';

/**
 * A new draft quiz (or positioning test) from a GIFT or Moodle XML file: the file
 * is parsed first, so a syntax error (422 with line and column) creates nothing;
 * otherwise the questionnaire, its one section and its questions are written in
 * one transaction.
 */
export async function createFromQuizFile(db: Db, ctx: Ctx, input: z.infer<typeof importNewQuizSchema>) {
  assertOrgWide(ctx.actor);
  const items = parseQuizItems(input.format, input.content);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const row = await trx
      .insertInto('questionnaires')
      .values({
        organisation_id: ctx.actor.organisationId,
        kind: input.kind,
        title: input.title,
        description: '',
        locale: input.locale ?? 'fr',
        anonymous: false,
        settings: JSON.stringify({}),
        template_key: null,
        created_by: ctx.actor.kind === 'person' ? ctx.actor.personId : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, { type: 'questionnaire.created', subjectType: 'questionnaire', subjectId: row.id, payload: { kind: input.kind, title: input.title, templateKey: null } });
    await insertQuizItems(trx, ctx, row.id, items, { format: input.format, skills: input.skills });
    return presentQuestionnaire((await loadQuestionnaire(trx, row.id))!);
  });
}
