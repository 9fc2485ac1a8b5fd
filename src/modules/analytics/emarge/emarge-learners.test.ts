import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../../test/context.ts';
import { makeOrganisation, makePerson } from '../../../../test/factories.ts';
import { withTenant } from '../../../platform/db/tenant.ts';
import { buildFeatureSchema, buildFeatureMatrix, findRecordedSources } from '../features/feature-schema.ts';
import { loadEmargeLearners } from './emarge-learners.ts';

/**
 * The Emarge adapter on a fresh database: quizzes (scores and weights),
 * questionnaires answered late or not at all, satisfaction answers and the
 * enrolment history become timeline events, known only before `asOf`; a
 * cohort that uses no questionnaire keeps those sources "not recorded".
 */
describe('Emarge adapter: questionnaires, quizzes and enrolments', () => {
  let t: TestContext;
  let orgId: string;
  let cohortA: string, cohortB: string, earlier: string;
  let ana: string, ben: string;

  before(async () => {
    t = await createTestContext();
    orgId = (await makeOrganisation(t.db)).id;
    const organisation_id = orgId;
    const program = await t.db.insertInto('programs').values({ organisation_id, title: 'Développeur web' }).returning('id').executeTakeFirstOrThrow();
    const other = await t.db.insertInto('programs').values({ organisation_id, title: 'Anglais' }).returning('id').executeTakeFirstOrThrow();
    const cohort = (name: string, programId: string, starts: string, ends: string) =>
      t.db.insertInto('cohorts').values({ organisation_id, program_id: programId, name, starts_on: starts, ends_on: ends }).returning('id').executeTakeFirstOrThrow().then((r) => r.id);
    earlier = await cohort('DW 2025', program.id, '2025-01-06', '2025-06-27');
    cohortA = await cohort('DW 2026', program.id, '2026-01-05', '2026-06-26');
    cohortB = await cohort('Anglais 2026', other.id, '2026-02-02', '2026-04-24');
    ana = (await makePerson(t.db, orgId, ['learner'])).id;
    ben = (await makePerson(t.db, orgId, ['learner'])).id;
    const enrol = (person: string, cohortId: string, status: 'active' | 'withdrawn' | 'completed', at: string) =>
      t.db.insertInto('enrolments').values({ organisation_id, person_id: person, cohort_id: cohortId, status, enrolled_at: new Date(at) }).execute();
    await enrol(ana, earlier, 'withdrawn', '2024-12-10T09:00:00Z');
    await enrol(ana, cohortA, 'active', '2025-12-22T09:00:00Z'); // 14 days before the start
    await enrol(ana, cohortB, 'active', '2026-01-20T09:00:00Z');
    await enrol(ben, cohortA, 'active', '2026-01-12T09:00:00Z'); // 7 days after the start

    const questionnaire = async (kind: 'quiz' | 'satisfaction_hot', questions: Array<{ type: 'single' | 'rating'; points?: number; settings?: object }>) => {
      const q = await t.db.insertInto('questionnaires').values({ organisation_id, kind, title: `${kind} ${randomUUID().slice(0, 4)}`, settings: '{}', status: 'published' }).returning('id').executeTakeFirstOrThrow();
      const section = await t.db.insertInto('questionnaire_sections').values({ organisation_id, questionnaire_id: q.id }).returning('id').executeTakeFirstOrThrow();
      const rows = await t.db.insertInto('questions')
        .values(questions.map((x, i) => ({ organisation_id, questionnaire_id: q.id, section_id: section.id, bank_id: null, type: x.type, prompt: `Q${i}`, position: i, points: x.points ?? 0, options: '[]', settings: JSON.stringify(x.settings ?? {}), display_if: null })))
        .returning('id').execute();
      return { id: q.id, questions: rows.map((r) => r.id) };
    };
    const quiz1 = await questionnaire('quiz', [{ type: 'single', points: 2 }, { type: 'single', points: 1 }]); // 3 points
    const quiz2 = await questionnaire('quiz', [{ type: 'single', points: 1 }]); // 1 point
    const survey = await questionnaire('satisfaction_hot', [{ type: 'rating', settings: { min: 1, max: 5 } }]);
    const distribute = (questionnaireId: string, due: string) =>
      t.db.insertInto('questionnaire_distributions').values({ organisation_id, questionnaire_id: questionnaireId, target_type: 'cohort', target_id: cohortA, trigger: 'now', audience: 'learners', due_at: new Date(due), status: 'sent', sent_at: new Date('2026-01-05T08:00:00Z') }).returning('id').executeTakeFirstOrThrow().then((r) => r.id);
    const invite = (distribution: string, questionnaireId: string, person: string) =>
      t.db.insertInto('questionnaire_invitations').values({ organisation_id, distribution_id: distribution, questionnaire_id: questionnaireId, person_id: person, email: `${person}@example.test`, cohort_id: cohortA, sent_at: new Date('2026-01-05T08:00:00Z') }).returning('id').executeTakeFirstOrThrow().then((r) => r.id);
    const respond = (invitation: string, questionnaireId: string, person: string, at: string, score: number | null, max: number | null) =>
      t.db.insertInto('questionnaire_responses').values({ organisation_id, id: randomUUID(), questionnaire_id: questionnaireId, invitation_id: invitation, person_id: person, resume_key_hash: randomUUID(), cohort_id: cohortA, status: 'submitted', submitted_at: new Date(at), score, max_score: max }).returning('id').executeTakeFirstOrThrow().then((r) => r.id);

    const d1 = await distribute(quiz1.id, '2026-01-16T18:00:00Z'); // day 11
    const d2 = await distribute(quiz2.id, '2026-01-23T18:00:00Z'); // day 18
    const d3 = await distribute(survey.id, '2026-01-30T18:00:00Z'); // day 25
    const i1a = await invite(d1, quiz1.id, ana), i2a = await invite(d2, quiz2.id, ana), i3a = await invite(d3, survey.id, ana);
    await invite(d1, quiz1.id, ben); // never answered
    await respond(i1a, quiz1.id, ana, '2026-01-15T10:00:00Z', 2.25, 3); // day 10, 75 %
    await respond(i2a, quiz2.id, ana, '2026-01-26T10:00:00Z', 1, 1); // day 21: late
    const r3 = await respond(i3a, survey.id, ana, '2026-01-29T10:00:00Z', null, null); // day 24
    await t.db.insertInto('questionnaire_answers').values({ organisation_id, response_id: r3, question_id: survey.questions[0]!, value: JSON.stringify(4) }).execute();
  });
  after(() => t.close());

  const load = (asOf: string) => withTenant(t.db, orgId, (trx) => loadEmargeLearners(trx, { asOf, cohortIds: [cohortA, cohortB] }));

  test('quizzes are weighted assessments, other questionnaires unscored ones, satisfaction answers events', async () => {
    const learners = await load('2026-03-01');
    const a = learners.find((l) => l.personId === ana && l.cohortId === cohortA)!.timeline;
    const quizzes = a.assessments!.filter((e) => e.kind === 'quiz').sort((x, y) => x.dueDay! - y.dueDay!);
    assert.deepEqual(quizzes.map((e) => [e.dueDay, e.submittedDay, e.score, e.gradedDay, e.weight]), [[11, 10, 75, 10, 75], [18, 21, 100, 21, 25]]);
    const form = a.assessments!.find((e) => e.kind === 'questionnaire')!;
    assert.deepEqual([form.dueDay, form.submittedDay, form.score, form.weight], [25, 24, null, 0]);
    assert.deepEqual(a.satisfaction, [{ day: 24, score: 0.75 }]);
    assert.equal(a.priorAttempts, 1, 'the withdrawn 2025 enrolment in the same program');
    assert.equal(a.concurrentLoad, 1, 'the English cohort overlaps');
    assert.equal(a.enrolledDay, -14);

    const b = learners.find((l) => l.personId === ben)!.timeline;
    assert.deepEqual(b.assessments!.map((e) => [e.kind, e.submittedDay, e.score]), [['quiz', null, null]]);
    assert.deepEqual(b.satisfaction, [], 'the cohort records satisfaction, this learner gave none');
    assert.equal(b.enrolledDay, 7);

    // Recorded for the whole organisation: the English cohort has no questionnaire, an empty list (same schema everywhere).
    const c = learners.find((l) => l.cohortId === cohortB)!.timeline;
    assert.deepEqual(c.assessments, []);
    assert.deepEqual(c.satisfaction, []);

    // Through the weekly pipeline: at the end of week 2 (day 14) quiz 1 is banked (75 % of 75 % of the grade).
    const schema = buildFeatureSchema(findRecordedSources([a]), 5, { withAll: true });
    assert.ok(schema.sources.includes('assessments') && schema.sources.includes('satisfaction'));
    const m = buildFeatureMatrix([a], schema);
    const at = (step: number, name: string) => m[step * schema.features.length + schema.features.indexOf(name)]!;
    assert.ok(Math.abs(at(2, 'points_banked') - 0.5625) < 1e-6);
    assert.ok(Math.abs(at(2, 'weight_due') - 0.75) < 1e-6);
    assert.equal(at(3, 'late_submissions'), 0, 'quiz 2 is not submitted by day 21 yet');
    assert.equal(at(4, 'late_submissions'), 1);
    assert.equal(at(4, 'satisfaction_answers'), 1);
  });

  test('an organisation that never sent a questionnaire records neither source', async () => {
    const other = (await makeOrganisation(t.db)).id;
    const program = await t.db.insertInto('programs').values({ organisation_id: other, title: 'P' }).returning('id').executeTakeFirstOrThrow();
    const c = await t.db.insertInto('cohorts').values({ organisation_id: other, program_id: program.id, name: 'C', starts_on: '2026-01-05', ends_on: '2026-03-27' }).returning('id').executeTakeFirstOrThrow();
    const p = await makePerson(t.db, other, ['learner']);
    await t.db.insertInto('enrolments').values({ organisation_id: other, person_id: p.id, cohort_id: c.id, status: 'active', enrolled_at: new Date('2026-01-05T08:00:00Z') }).execute();
    const [l] = await withTenant(t.db, other, (trx) => loadEmargeLearners(trx, { asOf: '2026-03-01' }));
    assert.equal(l!.timeline.assessments, null);
    assert.equal(l!.timeline.satisfaction, null);
    assert.deepEqual(l!.timeline.attendance, []);
  });

  test('nothing answered on or after asOf is known', async () => {
    const learners = await load('2026-01-20'); // day 15
    const a = learners.find((l) => l.personId === ana && l.cohortId === cohortA)!.timeline;
    assert.deepEqual(a.assessments!.map((e) => [e.dueDay, e.submittedDay]).sort(), [[11, 10], [18, null], [25, null]]);
    assert.deepEqual(a.satisfaction, []);
  });
});
