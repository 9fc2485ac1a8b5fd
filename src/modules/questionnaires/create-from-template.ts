import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { presentQuestionnaire } from './questionnaire.presenter.ts';
import { loadQuestionnaire } from './questionnaire.repository.ts';
import type { fromTemplateSchema } from './questionnaires.schemas.ts';
import { getTemplate, renderTemplate } from './templates.ts';

/** A new draft from a template, in French or English, ready to edit. */
export async function createFromTemplate(db: Db, ctx: Ctx, input: z.infer<typeof fromTemplateSchema>) {
  assertOrgWide(ctx.actor);
  const locale = input.locale ?? 'fr';
  const rendered = renderTemplate(getTemplate(input.key), locale, input.days ?? 30);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const org = ctx.actor.organisationId;
    const q = await trx
      .insertInto('questionnaires')
      .values({ organisation_id: org, kind: rendered.kind, title: input.title ?? rendered.title, description: rendered.description, locale, anonymous: rendered.anonymous, settings: JSON.stringify(rendered.settings), template_key: input.key, created_by: ctx.actor.kind === 'person' ? ctx.actor.personId : null })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const [si, s] of rendered.sections.entries()) {
      const section = await trx.insertInto('questionnaire_sections').values({ organisation_id: org, questionnaire_id: q.id, title: s.title, position: si }).returning('id').executeTakeFirstOrThrow();
      const ids: string[] = [];
      for (const [qi, qu] of s.questions.entries()) {
        const displayIf = qu.displayIf ? { questionId: ids[qu.displayIf.index]!, operator: qu.displayIf.operator, value: qu.displayIf.value } : null;
        const row = await trx
          .insertInto('questions')
          .values({ organisation_id: org, questionnaire_id: q.id, section_id: section.id, bank_id: null, type: qu.type, prompt: qu.prompt, help: qu.help, required: qu.required, position: qi, options: JSON.stringify(qu.options), settings: JSON.stringify(qu.settings), display_if: displayIf ? JSON.stringify(displayIf) : null, points: qu.points, skills: qu.skills })
          .returning('id')
          .executeTakeFirstOrThrow();
        ids.push(row.id);
      }
    }
    await recordAuditEvent(trx, ctx, { type: 'questionnaire.created', subjectType: 'questionnaire', subjectId: q.id, payload: { kind: rendered.kind, title: input.title ?? rendered.title, templateKey: input.key } });
    return presentQuestionnaire((await loadQuestionnaire(trx, q.id))!);
  });
}
