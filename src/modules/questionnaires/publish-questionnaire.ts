import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import { getEditableQuestionnaire } from './editable.ts';
import { presentQuestionnaire } from './questionnaire.presenter.ts';
import { loadQuestionnaire, toQuestionDef } from './questionnaire.repository.ts';
import { findPublishProblems } from './validate-questionnaire.ts';

/** Publishes a draft after checking it (see findPublishProblems); a published questionnaire is frozen. */
export async function publishQuestionnaire({ db, clock }: { db: Db; clock: Clock }, ctx: Ctx, id: string) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    await getEditableQuestionnaire(trx, id);
    const loaded = (await loadQuestionnaire(trx, id))!;
    const problems = findPublishProblems(loaded.questionnaire.kind, loaded.questions.map(toQuestionDef), loaded.sections.filter((s) => s.draw).length);
    for (const [i, s] of loaded.sections.entries()) {
      if (!s.draw) continue;
      const pool = await trx.selectFrom('questions').selectAll().where('bank_id', '=', s.draw.bankId).where('questionnaire_id', 'is', null).orderBy('position').execute();
      if (pool.length < s.draw.count) problems.push(problemItem(`sections.${i}.draw.count`, 'bank_too_small', { draws: s.draw.count, holds: pool.length }));
      for (const p of findPublishProblems(loaded.questionnaire.kind, pool.map(toQuestionDef), 1)) problems.push({ ...p, path: `sections.${i}.draw.bank.${p.path}` });
    }
    if (problems.length) throw new AppError('questionnaire_invalid', `This questionnaire cannot be published yet: ${problems.length} problem(s).`, { errors: problems });
    const now = clock.now();
    await trx.updateTable('questionnaires').set({ status: 'published', published_at: now, updated_at: now }).where('id', '=', id).execute();
    await recordAuditEvent(trx, ctx, { type: 'questionnaire.published', subjectType: 'questionnaire', subjectId: id, payload: { version: loaded.questionnaire.version } });
    return presentQuestionnaire((await loadQuestionnaire(trx, id))!);
  });
}

/** Closes a published questionnaire: no answer is accepted afterwards. */
export async function closeQuestionnaire({ db, clock }: { db: Db; clock: Clock }, ctx: Ctx, id: string) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const loaded = await loadQuestionnaire(trx, id);
    if (!loaded) throw notFound('Questionnaire');
    if (loaded.questionnaire.status !== 'published') throw AppError.because('conflict', 'questionnaire_not_published_close', { status: loaded.questionnaire.status });
    await trx.updateTable('questionnaires').set({ status: 'closed', updated_at: clock.now() }).where('id', '=', id).execute();
    await recordAuditEvent(trx, ctx, { type: 'questionnaire.closed', subjectType: 'questionnaire', subjectId: id, payload: {} });
    return presentQuestionnaire((await loadQuestionnaire(trx, id))!);
  });
}
