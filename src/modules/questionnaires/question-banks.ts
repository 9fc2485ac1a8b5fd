import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import { presentQuestion } from './questionnaire.presenter.ts';
import type { bankCreateSchema, questionCreateSchema } from './questionnaires.schemas.ts';
import { questionColumns } from './save-question.ts';

/** Question banks: pools of questions that sections draw from at random (draw rule { bankId, count }). */
export async function createQuestionBank(db: Db, ctx: Ctx, input: z.infer<typeof bankCreateSchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const row = await trx.insertInto('question_banks').values({ organisation_id: ctx.actor.organisationId, title: input.title }).returningAll().executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, { type: 'questionnaire.content_changed', subjectType: 'question_bank', subjectId: row.id, payload: { action: 'bank_created', id: row.id } });
    return { id: row.id, title: row.title, createdAt: row.created_at.toISOString(), questions: [] };
  });
}

export async function listQuestionBanks(db: Db, ctx: Ctx) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const rows = await trx
      .selectFrom('question_banks as b')
      .select(['b.id', 'b.title', 'b.created_at'])
      .select((eb) => eb.selectFrom('questions as q').select((e) => e.fn.countAll<string>().as('n')).whereRef('q.bank_id', '=', 'b.id').where('q.questionnaire_id', 'is', null).as('n'))
      .orderBy('b.title')
      .orderBy('b.id')
      .execute();
    return { items: rows.map((r) => ({ id: r.id, title: r.title, createdAt: r.created_at.toISOString(), questionCount: Number(r.n ?? 0) })) };
  });
}

export async function getQuestionBank(db: Db, ctx: Ctx, id: string) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const bank = await trx.selectFrom('question_banks').selectAll().where('id', '=', id).executeTakeFirst();
    if (!bank) throw notFound('Question bank');
    const questions = await trx.selectFrom('questions').selectAll().where('bank_id', '=', id).where('questionnaire_id', 'is', null).orderBy('position').orderBy('id').execute();
    return { id: bank.id, title: bank.title, createdAt: bank.created_at.toISOString(), questions: questions.map(presentQuestion) };
  });
}

export async function addBankQuestion(db: Db, ctx: Ctx, bankId: string, input: z.infer<typeof questionCreateSchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const bank = await trx.selectFrom('question_banks').select('id').where('id', '=', bankId).executeTakeFirst();
    if (!bank) throw notFound('Question bank');
    const last = await trx.selectFrom('questions').select((eb) => eb.fn.max('position').as('p')).where('bank_id', '=', bankId).executeTakeFirst();
    const row = await trx
      .insertInto('questions')
      .values({ organisation_id: ctx.actor.organisationId, questionnaire_id: null, section_id: null, bank_id: bankId, options: '[]', settings: '{}', display_if: null, position: (last?.p ?? -1) + 1, ...(questionColumns({ ...input, displayIf: null }) as Record<string, unknown>) } as never)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, { type: 'questionnaire.content_changed', subjectType: 'question_bank', subjectId: bankId, payload: { action: 'question_added', id: row.id } });
    return presentQuestion(row);
  });
}
