import { randomUUID } from 'node:crypto';
import { systemCtx } from '../../platform/auth/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { createDistribution } from './create-distribution.ts';
import { createFromTemplate } from './create-from-template.ts';
import { createQuestionnaire } from './create-questionnaire.ts';
import { importQuiz } from './import-quiz.ts';
import { publishQuestionnaire } from './publish-questionnaire.ts';
import { loadQuestionnaire, toQuestionDef } from './questionnaire.repository.ts';
import { type AnswerValue, isGraded, type QuestionDef, scoreResponse } from './scoring.ts';

/** The demo quiz, in GIFT (the format trainers bring from Moodle). */
export const DEMO_QUIZ_GIFT = `::HTML sémantique:: Quelle balise porte le titre principal d'une page ? {=<h1> ~<title> ~<header> ~<strong>}

::CSS:: Quelles propriétés mettent en page avec Flexbox ? {~%50%justify-content ~%50%align-items ~%-100%float ~%-100%z-index}

::HTTP:: Le code HTTP 404 signifie que la ressource est introuvable. {TRUE}

::JavaScript:: Quel mot-clé déclare une variable qui ne sera pas réaffectée ? {=const}

::Ports:: Sur quel port écoute HTTPS par défaut ? {#443:0}

::SQL:: Quelle clause filtre les lignes d'un SELECT ? {=WHERE ~ORDER BY ~GROUP BY ~LIMIT}
`;

const SKILLS = ['html', 'css', 'http', 'javascript', 'network', 'sql'];

/** A deterministic pseudo-random generator (mulberry32), so the demo is the same on every start. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An answer to a graded question: right with probability p, else a wrong one. */
function simulateAnswer(q: QuestionDef, p: number, rand: () => number): AnswerValue {
  const right = rand() < p;
  switch (q.type) {
    case 'single': {
      const options = q.options.filter((o) => (o.correct ?? false) === right);
      return (options[Math.floor(rand() * options.length)] ?? q.options[0]!).id;
    }
    case 'multiple':
      return right ? q.options.filter((o) => o.correct).map((o) => o.id) : [q.options.find((o) => o.correct)!.id, q.options.find((o) => !o.correct)!.id];
    case 'number':
      return right ? q.settings.correctNumber! : q.settings.correctNumber! + 1;
    case 'short_text':
      return right ? q.settings.acceptedAnswers![0]! : 'var';
    default:
      return null;
  }
}

/**
 * Questionnaires for the demo organisation: a positioning test and an
 * end-of-session satisfaction survey from the templates, a skills-tagged quiz
 * imported from GIFT, all published and distributed (the positioning test
 * before the first session, the quiz at the end of the first module, the
 * satisfaction survey at the end of the program), and a simulated history of
 * quiz answers (every learner of the program, once per module) in which the third module is clearly
 * weaker, so the struggling dashboard has something true to show.
 */
export async function seedQuestionnaireDemo(deps: { db: Db; clock: Clock; publicUrl: string }, organisationId: string): Promise<{ questionnaires: number; simulatedResponses: number }> {
  const { db } = deps;
  const ctx = systemCtx(organisationId);
  const positioning = await createFromTemplate(db, ctx, { key: 'positioning_test', locale: 'fr' });
  const satisfaction = await createFromTemplate(db, ctx, { key: 'end_of_program_satisfaction', locale: 'fr' });
  const quiz = await createQuestionnaire(db, ctx, { kind: 'quiz', title: 'Quiz — fondamentaux du web', settings: { passingScore: 60 } });
  await importQuiz(db, ctx, quiz.id, { format: 'gift', content: DEMO_QUIZ_GIFT, sectionTitle: 'Fondamentaux' });
  // One skill per question of the demo quiz.
  await withTenant(db, organisationId, async (trx) => {
    const rows = await trx.selectFrom('questions').select(['id', 'position']).where('questionnaire_id', '=', quiz.id).orderBy('position').execute();
    for (const [i, r] of rows.entries()) await trx.updateTable('questions').set({ skills: [SKILLS[i % SKILLS.length]!] }).where('id', '=', r.id).execute();
  });
  for (const q of [positioning, satisfaction, quiz]) await publishQuestionnaire(deps, ctx, q.id);

  const { program, modules, cohorts } = await withTenant(db, organisationId, async (trx) => {
    // The demo's program with modules (the simulated past cohorts belong to another program, without modules).
    const program = await trx.selectFrom('programs').select('id').where((eb) => eb.exists(eb.selectFrom('modules').select('modules.id').whereRef('modules.program_id', '=', 'programs.id'))).orderBy('created_at').orderBy('id').executeTakeFirst();
    const modules = program ? await trx.selectFrom('modules').select(['id', 'title']).where('program_id', '=', program.id).orderBy('position').execute() : [];
    const cohorts = await trx.selectFrom('cohorts').select(['id', 'program_id']).orderBy('created_at').execute();
    return { program, modules, cohorts };
  });
  if (program) {
    const current = cohorts.filter((c) => c.program_id === program.id);
    for (const c of current) await createDistribution(deps, ctx, positioning.id, { targetType: 'cohort', targetId: c.id, trigger: 'before_first_session', audience: 'learners', reminderDays: [2] });
    if (modules[0]) await createDistribution(deps, ctx, quiz.id, { targetType: 'module', targetId: modules[0].id, trigger: 'end_of_module', audience: 'learners', reminderDays: [3] });
    await createDistribution(deps, ctx, satisfaction.id, { targetType: 'program', targetId: program.id, trigger: 'end_of_program', audience: 'learners' });
  }

  // Simulated answers: every learner of the program's cohorts answered the quiz once per module.
  const simulated = await withTenant(db, organisationId, async (trx) => {
    const loaded = (await loadQuestionnaire(trx, quiz.id))!;
    const questions = loaded.questions.map(toQuestionDef).filter(isGraded);
    const cohortIds = cohorts.filter((c) => c.program_id === program?.id).map((c) => c.id);
    const enrolments = cohortIds.length ? await trx.selectFrom('enrolments').select(['cohort_id', 'person_id']).where('cohort_id', 'in', cohortIds).execute() : [];
    const rand = rng(20260302);
    let count = 0;
    const submittedAt = deps.clock.now();
    for (const [mi, m] of modules.entries()) {
      const p = mi === 2 ? 0.45 : 0.8;
      const responses = [];
      const answers = [];
      for (const e of enrolments) {
        const id = randomUUID();
        const given = new Map<string, AnswerValue>(questions.map((q) => [q.id, simulateAnswer(q, p, rand)]));
        const s = scoreResponse(questions, given, 60);
        responses.push({ organisation_id: organisationId, id, questionnaire_id: quiz.id, person_id: e.person_id, resume_key_hash: `demo:${id}`, cohort_id: e.cohort_id, module_id: m.id, status: 'submitted' as const, submitted_at: submittedAt, submissions: 1, score: s.score, max_score: s.maxScore, passed: s.passed, skill_scores: JSON.stringify(s.perSkill) });
        for (const [qid, value] of given) answers.push({ organisation_id: organisationId, response_id: id, question_id: qid, value: JSON.stringify(value), score: s.perQuestion.get(qid)?.score ?? null, max_score: s.perQuestion.get(qid)?.max ?? null });
      }
      for (let i = 0; i < responses.length; i += 500) await trx.insertInto('questionnaire_responses').values(responses.slice(i, i + 500)).execute();
      for (let i = 0; i < answers.length; i += 1000) await trx.insertInto('questionnaire_answers').values(answers.slice(i, i + 1000)).execute();
      count += responses.length;
    }
    return count;
  });
  return { questionnaires: 3, simulatedResponses: simulated };
}
