import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import { getEditableQuestionnaire } from './editable.ts';
import { presentQuestionnaire } from './questionnaire.presenter.ts';
import { loadQuestionnaire } from './questionnaire.repository.ts';
import type { orderSchema } from './questionnaires.schemas.ts';

/**
 * Replaces the order of sections and of their questions (a question may move
 * to another section). The arrays must name every section and every question
 * of the questionnaire exactly once (what a drag-and-drop or keyboard move sends).
 */
export async function reorderQuestionnaire({ db, clock }: { db: Db; clock: Clock }, ctx: Ctx, id: string, input: z.infer<typeof orderSchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    await getEditableQuestionnaire(trx, id);
    const loaded = (await loadQuestionnaire(trx, id))!;
    const sectionIds = new Set(loaded.sections.map((s) => s.id));
    const questionIds = new Set(loaded.questions.map((q) => q.id));
    const errors: Array<{ path: string; message: string }> = [];
    const seenS = new Set<string>();
    const seenQ = new Set<string>();
    input.sections.forEach((s, i) => {
      if (!sectionIds.has(s.id)) errors.push(problemItem(`body.sections.${i}.id`, 'section_unknown'));
      if (seenS.has(s.id)) errors.push(problemItem(`body.sections.${i}.id`, 'listed_twice'));
      seenS.add(s.id);
      s.questionIds.forEach((q, j) => {
        if (!questionIds.has(q)) errors.push(problemItem(`body.sections.${i}.questionIds.${j}`, 'question_unknown'));
        if (seenQ.has(q)) errors.push(problemItem(`body.sections.${i}.questionIds.${j}`, 'listed_twice'));
        seenQ.add(q);
      });
    });
    if (seenS.size !== sectionIds.size) errors.push(problemItem('body.sections', 'sections_incomplete'));
    if (seenQ.size !== questionIds.size) errors.push(problemItem('body.sections', 'questions_incomplete'));
    if (errors.length) throw new AppError('validation_failed', 'The new order must list every section and question of this questionnaire exactly once.', { errors });
    for (const [i, s] of input.sections.entries()) {
      await trx.updateTable('questionnaire_sections').set({ position: i }).where('id', '=', s.id).execute();
      for (const [j, q] of s.questionIds.entries()) await trx.updateTable('questions').set({ section_id: s.id, position: j }).where('id', '=', q).execute();
    }
    await trx.updateTable('questionnaires').set({ updated_at: clock.now() }).where('id', '=', id).execute();
    await recordAuditEvent(trx, ctx, { type: 'questionnaire.content_changed', subjectType: 'questionnaire', subjectId: id, payload: { action: 'reordered', id } });
    return presentQuestionnaire((await loadQuestionnaire(trx, id))!);
  });
}
