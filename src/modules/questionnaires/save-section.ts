import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { type Tx, withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import { compact, getEditableQuestionnaire } from './editable.ts';
import { presentSection } from './questionnaire.presenter.ts';
import type { sectionCreateSchema, sectionUpdateSchema } from './questionnaires.schemas.ts';

async function checkBank(trx: Tx, draw: { bankId: string } | null | undefined) {
  if (!draw) return;
  const bank = await trx.selectFrom('question_banks').select('id').where('id', '=', draw.bankId).executeTakeFirst();
  if (!bank) throw new AppError('not_found', 'Question bank was not found', { errors: [problemItem('body.draw.bankId', 'bank_unknown')] });
}

async function sectionWithQuestions(trx: Tx, id: string) {
  const row = await trx.selectFrom('questionnaire_sections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const questions = await trx.selectFrom('questions').selectAll().where('section_id', '=', id).orderBy('position').orderBy('id').execute();
  return presentSection(row, questions);
}

/** Adds a section to a draft (at the end unless a position is given). */
export async function addSection(db: Db, ctx: Ctx, questionnaireId: string, input: z.infer<typeof sectionCreateSchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    await getEditableQuestionnaire(trx, questionnaireId);
    await checkBank(trx, input.draw);
    const last = await trx.selectFrom('questionnaire_sections').select((eb) => eb.fn.max('position').as('p')).where('questionnaire_id', '=', questionnaireId).executeTakeFirst();
    const row = await trx
      .insertInto('questionnaire_sections')
      .values({ organisation_id: ctx.actor.organisationId, questionnaire_id: questionnaireId, title: input.title ?? '', description: input.description ?? '', position: input.position ?? (last?.p ?? -1) + 1, draw: input.draw ? JSON.stringify(input.draw) : null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, { type: 'questionnaire.content_changed', subjectType: 'questionnaire', subjectId: questionnaireId, payload: { action: 'section_added', id: row.id } });
    return sectionWithQuestions(trx, row.id);
  });
}

async function getEditableSection(trx: Tx, id: string) {
  const section = await trx.selectFrom('questionnaire_sections').selectAll().where('id', '=', id).executeTakeFirst();
  if (!section) throw notFound('Section');
  await getEditableQuestionnaire(trx, section.questionnaire_id);
  return section;
}

export async function updateSection(db: Db, ctx: Ctx, id: string, input: z.infer<typeof sectionUpdateSchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const section = await getEditableSection(trx, id);
    await checkBank(trx, input.draw);
    const set = compact({ title: input.title, description: input.description, position: input.position, draw: input.draw === undefined ? undefined : input.draw === null ? null : JSON.stringify(input.draw) });
    if (Object.keys(set).length > 0) await trx.updateTable('questionnaire_sections').set(set).where('id', '=', id).execute();
    await recordAuditEvent(trx, ctx, { type: 'questionnaire.content_changed', subjectType: 'questionnaire', subjectId: section.questionnaire_id, payload: { action: 'section_updated', id } });
    return sectionWithQuestions(trx, id);
  });
}

/** Deletes a section and its questions; a questionnaire keeps at least one section. */
export async function deleteSection(db: Db, ctx: Ctx, id: string) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const section = await getEditableSection(trx, id);
    const count = await trx.selectFrom('questionnaire_sections').select((eb) => eb.fn.countAll<string>().as('n')).where('questionnaire_id', '=', section.questionnaire_id).executeTakeFirstOrThrow();
    if (Number(count.n) <= 1) throw AppError.because('conflict', 'last_section');
    await trx.deleteFrom('questionnaire_sections').where('id', '=', id).execute();
    await recordAuditEvent(trx, ctx, { type: 'questionnaire.content_changed', subjectType: 'questionnaire', subjectId: section.questionnaire_id, payload: { action: 'section_deleted', id } });
  });
}
