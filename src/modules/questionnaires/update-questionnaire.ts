import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { compact, getEditableQuestionnaire } from './editable.ts';
import { presentQuestionnaire } from './questionnaire.presenter.ts';
import { loadQuestionnaire } from './questionnaire.repository.ts';
import type { questionnaireUpdateSchema } from './questionnaires.schemas.ts';

/** Changes a draft's title, kind, locale, anonymity or settings (settings are merged key by key). */
export async function updateQuestionnaire({ db, clock }: { db: Db; clock: Clock }, ctx: Ctx, id: string, input: z.infer<typeof questionnaireUpdateSchema>) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const existing = await getEditableQuestionnaire(trx, id);
    const set = compact({
      kind: input.kind,
      title: input.title,
      description: input.description,
      locale: input.locale,
      anonymous: input.anonymous,
      settings: input.settings ? JSON.stringify(compact({ ...existing.settings, ...input.settings })) : undefined,
    });
    if (Object.keys(set).length > 0) {
      await trx.updateTable('questionnaires').set({ ...set, updated_at: clock.now() }).where('id', '=', id).execute();
      await recordAuditEvent(trx, ctx, { type: 'questionnaire.updated', subjectType: 'questionnaire', subjectId: id, payload: { changes: input } });
    }
    return presentQuestionnaire((await loadQuestionnaire(trx, id))!);
  });
}
