import type { Ctx } from '../../platform/auth/actor.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import { assertCanReadQuestionnaires } from './list-questionnaires.ts';
import { presentQuestionForRespondent } from './questionnaire.presenter.ts';
import { loadQuestionnaire } from './questionnaire.repository.ts';

/**
 * The questionnaire as a respondent would see it (no correct answers), for the
 * builder's "preview as a learner"; a section with a draw rule shows one
 * possible draw (the first questions of its bank).
 */
export async function previewQuestionnaire(db: Db, ctx: Ctx, id: string) {
  assertCanReadQuestionnaires(ctx);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const loaded = await loadQuestionnaire(trx, id);
    if (!loaded) throw notFound('Questionnaire');
    const q = loaded.questionnaire;
    const sections = [];
    for (const s of loaded.sections) {
      const own = loaded.questions.filter((x) => x.section_id === s.id);
      const drawn = s.draw ? await trx.selectFrom('questions').selectAll().where('bank_id', '=', s.draw.bankId).where('questionnaire_id', 'is', null).orderBy('position').orderBy('id').limit(s.draw.count).execute() : [];
      sections.push({ id: s.id, title: s.title, description: s.description, questions: [...own, ...drawn].map(presentQuestionForRespondent) });
    }
    return {
      questionnaire: { id: q.id, kind: q.kind, title: q.title, description: q.description, locale: q.locale, anonymous: q.anonymous, closesAt: q.settings?.closesAt ?? null },
      sections,
      response: { status: 'draft' as const, answers: [], submittedAt: null, canSubmit: false, result: null },
    };
  });
}
