import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { type Tx, withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import { compact, getEditableQuestionnaire, withOptionIds } from './editable.ts';
import { presentQuestion } from './questionnaire.presenter.ts';
import type { questionCreateSchema, questionUpdateSchema } from './questionnaires.schemas.ts';

type QuestionInput = z.infer<typeof questionCreateSchema>;

/** The column values of a question from its input (only the keys given). */
export function questionColumns(input: Partial<QuestionInput>) {
  return compact({
    type: input.type,
    prompt: input.prompt,
    help: input.help,
    required: input.required,
    position: input.position,
    options: input.options ? JSON.stringify(withOptionIds(input.options)) : undefined,
    settings: input.settings ? JSON.stringify(compact(input.settings)) : undefined,
    display_if: input.displayIf === undefined ? undefined : input.displayIf === null ? null : JSON.stringify(compact(input.displayIf)),
    points: input.points,
    skills: input.skills ? [...new Set(input.skills)] : undefined,
  });
}

/** Adds a question to a section of a draft (at the end unless a position is given). */
export async function addQuestion(db: Db, ctx: Ctx, sectionId: string, input: QuestionInput) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const section = await trx.selectFrom('questionnaire_sections').select(['id', 'questionnaire_id']).where('id', '=', sectionId).executeTakeFirst();
    if (!section) throw notFound('Section');
    await getEditableQuestionnaire(trx, section.questionnaire_id);
    const last = await trx.selectFrom('questions').select((eb) => eb.fn.max('position').as('p')).where('section_id', '=', sectionId).executeTakeFirst();
    const row = await trx
      .insertInto('questions')
      .values({
        organisation_id: ctx.actor.organisationId,
        questionnaire_id: section.questionnaire_id,
        section_id: sectionId,
        bank_id: null,
        options: '[]',
        settings: '{}',
        display_if: null,
        position: (last?.p ?? -1) + 1,
        ...(questionColumns(input) as Record<string, unknown>),
      } as never)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, { type: 'questionnaire.content_changed', subjectType: 'questionnaire', subjectId: section.questionnaire_id, payload: { action: 'question_added', id: row.id } });
    return presentQuestion(row);
  });
}

async function getEditableQuestion(trx: Tx, id: string) {
  const question = await trx.selectFrom('questions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!question) throw notFound('Question');
  // A bank question stays editable (draws already made keep their own answers and scores).
  if (question.questionnaire_id) await getEditableQuestionnaire(trx, question.questionnaire_id);
  return question;
}

export async function updateQuestion(db: Db, ctx: Ctx, id: string, input: z.infer<typeof questionUpdateSchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const question = await getEditableQuestion(trx, id);
    const set = questionColumns(input);
    let row = question;
    if (Object.keys(set).length > 0) row = await trx.updateTable('questions').set(set as never).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, { type: 'questionnaire.content_changed', subjectType: question.questionnaire_id ? 'questionnaire' : 'question_bank', subjectId: (question.questionnaire_id ?? question.bank_id)!, payload: { action: 'question_updated', id } });
    return presentQuestion(row);
  });
}

export async function deleteQuestion(db: Db, ctx: Ctx, id: string) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const question = await getEditableQuestion(trx, id);
    await trx.deleteFrom('questions').where('id', '=', id).execute();
    await recordAuditEvent(trx, ctx, { type: 'questionnaire.content_changed', subjectType: question.questionnaire_id ? 'questionnaire' : 'question_bank', subjectId: (question.questionnaire_id ?? question.bank_id)!, payload: { action: 'question_deleted', id } });
  });
}
