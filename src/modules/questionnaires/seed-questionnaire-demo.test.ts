import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { seedDemo } from '../demo/seed-demo.ts';
import { seedQuestionnaireDemo } from './seed-questionnaire-demo.ts';
import { findStrugglingUnits } from './find-struggling-units.ts';
import { systemCtx } from '../../platform/auth/actor.ts';

describe('questionnaire demo data', () => {
  let t: TestContext;
  let organisationId: string;
  let seeded: Awaited<ReturnType<typeof seedQuestionnaireDemo>>;
  before(async () => {
    t = await createTestContext();
    organisationId = (await seedDemo(t.db, { now: t.clock.now() })).organisation.id;
    seeded = await seedQuestionnaireDemo({ db: t.db, clock: t.clock, publicUrl: 'http://localhost:3000' }, organisationId);
  });
  after(() => t.close());

  test('three published questionnaires, distributions on the current cohorts, and a struggling third module found by the dashboard', async () => {
    assert.equal(seeded.questionnaires, 3);
    assert.ok(seeded.simulatedResponses > 100, String(seeded.simulatedResponses));
    const qs = await t.db.selectFrom('questionnaires').select(['kind', 'status']).where('organisation_id', '=', organisationId).orderBy('kind').execute();
    assert.deepEqual(qs.map((q) => [q.kind, q.status]), [['positioning', 'published'], ['quiz', 'published'], ['satisfaction_hot', 'published']]);
    const dists = await t.db.selectFrom('questionnaire_distributions').select(['trigger', 'status']).where('organisation_id', '=', organisationId).execute();
    assert.ok(dists.some((d) => d.trigger === 'before_first_session') && dists.some((d) => d.trigger === 'end_of_module') && dists.some((d) => d.trigger === 'end_of_program'));
    const result = await findStrugglingUnits(t.db, systemCtx(organisationId), { locale: 'en' });
    const third = await t.db.selectFrom('modules').select(['id', 'title']).where('organisation_id', '=', organisationId).orderBy('position').offset(2).limit(1).executeTakeFirstOrThrow();
    const flagged = result.units.filter((u) => u.flagged);
    assert.deepEqual(flagged.filter((u) => u.unitType === 'module').map((u) => u.unitId), [third.id]);
    assert.match(flagged.find((u) => u.unitType === 'module')!.reason, new RegExp(`^module ${third.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: success \\d+% vs \\d+% baseline, n=\\d+, p[=<]`));
  });
});
