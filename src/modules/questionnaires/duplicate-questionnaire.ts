import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import { presentQuestionnaire } from './questionnaire.presenter.ts';
import { loadQuestionnaire } from './questionnaire.repository.ts';

/**
 * A draft copy of any questionnaire (the way to change a published one): next
 * version number, same sections and questions; conditions are re-pointed to
 * the copied questions.
 */
export async function duplicateQuestionnaire(db: Db, ctx: Ctx, id: string) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const loaded = await loadQuestionnaire(trx, id);
    if (!loaded) throw notFound('Questionnaire');
    const q = loaded.questionnaire;
    const copy = await trx
      .insertInto('questionnaires')
      .values({ organisation_id: q.organisation_id, kind: q.kind, title: q.title, description: q.description, locale: q.locale, anonymous: q.anonymous, settings: JSON.stringify(q.settings ?? {}), version: q.version + 1, template_key: q.template_key, created_by: ctx.actor.kind === 'person' ? ctx.actor.personId : null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const sectionMap = new Map<string, string>();
    for (const s of loaded.sections) {
      const row = await trx.insertInto('questionnaire_sections').values({ organisation_id: q.organisation_id, questionnaire_id: copy.id, title: s.title, description: s.description, position: s.position, draw: s.draw ? JSON.stringify(s.draw) : null }).returning('id').executeTakeFirstOrThrow();
      sectionMap.set(s.id, row.id);
    }
    const questionMap = new Map<string, string>();
    for (const qu of loaded.questions) {
      const displayIf = qu.display_if ? { ...qu.display_if, questionId: questionMap.get(qu.display_if.questionId) ?? qu.display_if.questionId } : null;
      const row = await trx
        .insertInto('questions')
        .values({ organisation_id: q.organisation_id, questionnaire_id: copy.id, section_id: sectionMap.get(qu.section_id!)!, bank_id: qu.bank_id, type: qu.type, prompt: qu.prompt, help: qu.help, required: qu.required, position: qu.position, options: JSON.stringify(qu.options), settings: JSON.stringify(qu.settings), display_if: displayIf ? JSON.stringify(displayIf) : null, points: qu.points, skills: qu.skills })
        .returning('id')
        .executeTakeFirstOrThrow();
      questionMap.set(qu.id, row.id);
    }
    await recordAuditEvent(trx, ctx, { type: 'questionnaire.duplicated', subjectType: 'questionnaire', subjectId: copy.id, payload: { fromId: id, version: q.version + 1 } });
    return presentQuestionnaire((await loadQuestionnaire(trx, copy.id))!);
  });
}
