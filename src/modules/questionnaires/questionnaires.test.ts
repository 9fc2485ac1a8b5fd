import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeOrganisationWithStaff, makePerson } from '../../../test/factories.ts';
import { distributeDue } from './distribute-due.ts';

type Org = Awaited<ReturnType<typeof makeOrganisationWithStaff>>;

describe('questionnaires: builder, publish, distribution, respondent flow', () => {
  let t: TestContext;
  let org: Org;
  let other: Org;
  let cohortId: string;
  let sessionId: string;
  let learner2Email: string;

  before(async () => {
    t = await createTestContext();
    org = await makeOrganisationWithStaff(t.db);
    other = await makeOrganisationWithStaff(t.db);
    const as = org.as.admin;
    const program = (await t.request({ method: 'POST', url: '/api/v1/programs', as, payload: { title: 'Data analyst' } })).json();
    const module = (await t.request({ method: 'POST', url: `/api/v1/programs/${program.id}/modules`, as, payload: { title: 'SQL' } })).json();
    cohortId = (await t.request({ method: 'POST', url: '/api/v1/cohorts', as, payload: { programId: program.id, name: 'DA-2026' } })).json().id;
    await t.request({ method: 'PUT', url: `/api/v1/cohorts/${cohortId}/trainers`, as, payload: { trainerIds: [org.trainer.id] } });
    const learner2 = await makePerson(t.db, org.organisation.id, ['learner']);
    learner2Email = learner2.email;
    for (const personId of [org.learner.id, learner2.id]) {
      assert.equal((await t.request({ method: 'POST', url: `/api/v1/cohorts/${cohortId}/enrolments`, as, payload: { personId } })).statusCode, 201);
    }
    const session = await t.request({ method: 'POST', url: '/api/v1/sessions', as, payload: { cohortId, moduleId: module.id, date: '2026-03-10', startTime: '09:00', endTime: '12:30' } });
    assert.equal(session.statusCode, 201, session.body);
    sessionId = session.json().id;
  });
  after(() => t.close());

  async function buildQuiz(as = org.as.admin) {
    const q = await t.request({ method: 'POST', url: '/api/v1/questionnaires', as, payload: { kind: 'quiz', title: 'Quiz SQL', settings: { passingScore: 60 } } });
    assert.equal(q.statusCode, 201, q.body);
    const sectionId = q.json().sections[0].id;
    const add = async (payload: unknown) => {
      const res = await t.request({ method: 'POST', url: `/api/v1/questionnaire-sections/${sectionId}/questions`, as, payload: payload as never });
      assert.equal(res.statusCode, 201, res.body);
      return res.json();
    };
    const q1 = await add({ type: 'single', prompt: 'SELECT returns…', required: true, points: 2, skills: ['sql'], options: [{ id: 'rows', label: 'rows', correct: true, feedback: 'Yes: a set of rows.' }, { id: 'file', label: 'a file', feedback: 'No.' }] });
    const q2 = await add({ type: 'multiple', prompt: 'Aggregates', required: true, points: 3, skills: ['sql', 'stats'], options: [{ label: 'COUNT', correct: true }, { label: 'SUM', correct: true }, { label: 'JOIN' }] });
    const q3 = await add({ type: 'long_text', prompt: 'Why did you get it wrong?', displayIf: { questionId: q1.id, operator: 'equals', value: 'file' } });
    return { id: q.json().id as string, sectionId, q1, q2, q3 };
  }

  test('an admin builds a quiz; publish validates; a published quiz is frozen; duplicate makes version 2', async () => {
    const as = org.as.admin;
    const quiz = await buildQuiz();
    assert.deepEqual(quiz.q2.options.map((o: { id: string }) => o.id), ['o1', 'o2', 'o3'], 'option ids are generated when not given');
    const patched = await t.request({ method: 'PATCH', url: `/api/v1/questionnaires/${quiz.id}`, as, payload: { title: 'Quiz SQL (v1)', settings: { allowResubmission: false } } });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().title, 'Quiz SQL (v1)');
    assert.deepEqual(patched.json().settings, { passingScore: 60, allowResubmission: false }, 'settings are merged key by key');
    // A quiz question without a correct answer, and a condition pointing forward, stop publication.
    const bad = await t.request({ method: 'POST', url: `/api/v1/questionnaire-sections/${quiz.sectionId}/questions`, as, payload: { type: 'single', prompt: 'No answer', points: 1, options: [{ label: 'a' }, { label: 'b' }] } });
    await t.request({ method: 'PATCH', url: `/api/v1/questions/${quiz.q1.id}`, as, payload: { displayIf: { questionId: quiz.q3.id, operator: 'answered' } } });
    const refused = await t.request({ method: 'POST', url: `/api/v1/questionnaires/${quiz.id}/publish`, as });
    assert.equal(refused.statusCode, 422, refused.body);
    assert.equal(refused.json().code, 'questionnaire_invalid');
    assert.deepEqual(refused.json().errors.map((e: { path: string }) => e.path), [`questions.0.displayIf.questionId (${quiz.q1.id})`, `questions.3 (${bad.json().id})`]);
    // Each problem has its code, for the builder to word it in the reader's language.
    assert.deepEqual(refused.json().errors.map((e: { code: string }) => e.code), ['condition_not_earlier', 'correct_answer_missing']);
    assert.equal((await t.db.selectFrom('questionnaires').select('status').where('id', '=', quiz.id).executeTakeFirstOrThrow()).status, 'draft');

    await t.request({ method: 'PATCH', url: `/api/v1/questions/${quiz.q1.id}`, as, payload: { displayIf: null } });
    assert.equal((await t.request({ method: 'DELETE', url: `/api/v1/questions/${bad.json().id}`, as })).statusCode, 204);
    // Reorder: q2 first. Leaving a question out is refused.
    const partial = await t.request({ method: 'PUT', url: `/api/v1/questionnaires/${quiz.id}/order`, as, payload: { sections: [{ id: quiz.sectionId, questionIds: [quiz.q2.id, quiz.q1.id] }] } });
    assert.equal(partial.statusCode, 400);
    const reordered = await t.request({ method: 'PUT', url: `/api/v1/questionnaires/${quiz.id}/order`, as, payload: { sections: [{ id: quiz.sectionId, questionIds: [quiz.q2.id, quiz.q1.id, quiz.q3.id] }] } });
    assert.equal(reordered.statusCode, 200, reordered.body);
    assert.deepEqual(reordered.json().sections[0].questions.map((q: { id: string }) => q.id), [quiz.q2.id, quiz.q1.id, quiz.q3.id]);

    const preview = await t.request({ method: 'GET', url: `/api/v1/questionnaires/${quiz.id}/preview`, as: org.as.trainer });
    assert.equal(preview.statusCode, 200, preview.body);
    assert.deepEqual(preview.json().sections[0].questions.map((q: { id: string }) => q.id), [quiz.q2.id, quiz.q1.id, quiz.q3.id]);
    assert.ok(!preview.body.includes('correct') && !preview.body.includes('Yes: a set of rows.'), 'no answers given away in the preview');
    const published = await t.request({ method: 'POST', url: `/api/v1/questionnaires/${quiz.id}/publish`, as });
    assert.equal(published.statusCode, 200, published.body);
    assert.equal(published.json().status, 'published');
    const frozen = await t.request({ method: 'PATCH', url: `/api/v1/questions/${quiz.q1.id}`, as, payload: { prompt: 'changed' } });
    assert.equal(frozen.statusCode, 409);
    assert.equal(frozen.json().code, 'questionnaire_not_editable');

    const copy = await t.request({ method: 'POST', url: `/api/v1/questionnaires/${quiz.id}/duplicate`, as });
    assert.equal(copy.statusCode, 201, copy.body);
    assert.equal(copy.json().version, 2);
    assert.equal(copy.json().status, 'draft');
    const copied = copy.json().sections[0].questions;
    assert.equal(copied.length, 3);
    assert.equal(copied[2].displayIf.questionId, copied[1].id, 'conditions follow the copied questions');

    const audit = await t.db.selectFrom('audit_events').select('type').where('subject_id', '=', quiz.id).orderBy('id').execute();
    assert.ok(audit.some((a) => a.type === 'questionnaire.published'));
  });

  test('roles: learners cannot build or read; trainers read but cannot build; read keys cannot write; other organisations get 404', async () => {
    const quiz = await buildQuiz();
    for (const who of ['learner', 'trainer'] as const) {
      const res = await t.request({ method: 'POST', url: '/api/v1/questionnaires', as: org.as[who], payload: { kind: 'quiz', title: 'x' } });
      assert.equal(res.statusCode, 403, who);
      assert.equal((await t.request({ method: 'PATCH', url: `/api/v1/questions/${quiz.q1.id}`, as: org.as[who], payload: { prompt: 'x' } })).statusCode, 403, who);
    }
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/questionnaires/${quiz.id}`, as: org.as.learner })).statusCode, 403);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/questionnaires/${quiz.id}`, as: org.as.trainer })).statusCode, 200);
    assert.equal((await t.request({ method: 'POST', url: '/api/v1/questionnaires', as: org.as.readKey, payload: { kind: 'quiz', title: 'x' } })).statusCode, 403);
    for (const [method, url] of [['GET', `/api/v1/questionnaires/${quiz.id}`], ['PATCH', `/api/v1/questions/${quiz.q1.id}`], ['POST', `/api/v1/questionnaires/${quiz.id}/publish`]] as const) {
      const res = await t.request({ method, url, as: other.as.admin, ...(method === 'PATCH' ? { payload: { prompt: 'stolen' } } : {}) });
      assert.equal(res.statusCode, 404, `${method} ${url}: ${res.body}`);
    }
    const list = await t.request({ method: 'GET', url: '/api/v1/questionnaires', as: other.as.admin });
    assert.deepEqual(list.json().items, []);
  });

  test('bad builder input: unknown fields, wrong types, negative points are refused and change nothing', async () => {
    const quiz = await buildQuiz();
    const cases = [
      { payload: { type: 'single', prompt: 'x', colour: 'red' }, path: undefined },
      { payload: { type: 'slider', prompt: 'x' }, path: 'body.type' },
      { payload: { type: 'single', prompt: 'x', points: -1 }, path: 'body.points' },
      { payload: { type: 'single', prompt: 'x', options: [{ id: 'a b', label: 'x' }] }, path: 'body.options.0.id' },
    ];
    for (const c of cases) {
      const res = await t.request({ method: 'POST', url: `/api/v1/questionnaire-sections/${quiz.sectionId}/questions`, as: org.as.admin, payload: c.payload as never });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().code, 'validation_failed');
      if (c.path) assert.ok(res.json().errors.some((e: { path: string }) => e.path === c.path), res.body);
    }
    const n = await t.db.selectFrom('questions').select((eb) => eb.fn.countAll<string>().as('n')).where('questionnaire_id', '=', quiz.id).executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 3);
  });

  test('templates in French and English; each one publishes as it is', async () => {
    const en = await t.request({ method: 'GET', url: '/api/v1/questionnaire-templates?locale=en', as: org.as.manager });
    assert.equal(en.statusCode, 200);
    assert.deepEqual(en.json().items.map((x: { key: string }) => x.key), ['positioning_test', 'end_of_session_satisfaction', 'end_of_program_satisfaction', 'cold_evaluation', 'trainer_feedback', 'funder_feedback']);
    assert.equal(en.json().items[0].title, 'Positioning test');
    for (const item of en.json().items) {
      for (const locale of ['fr', 'en']) {
        const created = await t.request({ method: 'POST', url: '/api/v1/questionnaires/from-template', as: org.as.manager, payload: { key: item.key, locale, days: 45 } });
        assert.equal(created.statusCode, 201, created.body);
        if (item.key === 'cold_evaluation') assert.match(created.json().title, /45/);
        const pub = await t.request({ method: 'POST', url: `/api/v1/questionnaires/${created.json().id}/publish`, as: org.as.manager });
        assert.equal(pub.statusCode, 200, `${item.key} ${locale}: ${pub.body}`);
      }
    }
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/questionnaire-templates', as: org.as.learner })).statusCode, 403);
  });

  function tokensFromOutbox(rows: Array<{ to_address: string; text_body: string }>) {
    return new Map(rows.map((r) => [r.to_address, /\/respond\/([A-Za-z0-9_-]+)/.exec(r.text_body)![1]!]));
  }

  test('a quiz goes out to the cohort now; learners save, resume and submit through their link; the server scores', async () => {
    const quiz = await buildQuiz();
    await t.request({ method: 'POST', url: `/api/v1/questionnaires/${quiz.id}/publish`, as: org.as.admin });
    const draftRefused = await t.request({ method: 'POST', url: `/api/v1/questionnaires/${(await buildQuiz()).id}/distributions`, as: org.as.admin, payload: { targetType: 'cohort', targetId: cohortId, trigger: 'now', audience: 'learners' } });
    assert.equal(draftRefused.statusCode, 409, 'a draft cannot be distributed');
    const dist = await t.request({ method: 'POST', url: `/api/v1/questionnaires/${quiz.id}/distributions`, as: org.as.admin, payload: { targetType: 'cohort', targetId: cohortId, trigger: 'now', audience: 'learners', reminderDays: [3] } });
    assert.equal(dist.statusCode, 201, dist.body);
    assert.equal(dist.json().status, 'sent');
    assert.equal(dist.json().invitations, 2);
    const mails = await t.db.selectFrom('outbox_mails').select(['to_address', 'text_body', 'subject']).where('organisation_id', '=', org.organisation.id).where('subject', 'like', 'Quiz SQL%').execute();
    assert.equal(mails.length, 2);
    const tokens = tokensFromOutbox(mails);
    const token = tokens.get(org.learner.email.toLowerCase())!;
    assert.ok(token);

    const view = await t.request({ method: 'GET', url: `/api/v1/respond/${token}` });
    assert.equal(view.statusCode, 200, view.body);
    const shown = view.json().sections[0].questions;
    assert.equal(shown.length, 3);
    assert.ok(!JSON.stringify(view.json()).includes('correct'), 'correct answers are not shown to respondents');

    const put = (payload: unknown) => t.request({ method: 'PUT', url: `/api/v1/respond/${token}/draft`, payload: payload as never });
    const saved = await put({ answers: [{ questionId: quiz.q1.id, value: 'file' }] });
    assert.equal(saved.statusCode, 200, saved.body);
    assert.deepEqual(saved.json().visibleQuestionIds, [quiz.q1.id, quiz.q2.id, quiz.q3.id]);

    // Refusals, each leaving the saved draft intact.
    const other = await buildQuiz();
    const cases: Array<[unknown, number, string]> = [
      [{ answers: [{ questionId: quiz.q2.id, value: ['rows'] }] }, 422, 'option_unknown'], // 'rows' is an option of q1, not q2
      [{ answers: [{ questionId: quiz.q1.id, value: 'rows' }, { questionId: quiz.q3.id, value: 'because' }] }, 422, 'question_hidden'],
      [{ answers: [{ questionId: other.q1.id, value: 'rows' }] }, 422, 'question_unknown'],
      [{ answers: [{ questionId: quiz.q1.id, value: 'rows' }], score: 100 }, 400, 'score_not_accepted'],
      [{ answers: [{ questionId: quiz.q1.id, value: 'rows', score: 2 }] }, 400, 'score_not_accepted'],
      [{ answers: [{ questionId: quiz.q1.id, value: 7 }] }, 422, 'answer_invalid'],
    ];
    for (const [payload, status, code] of cases) {
      const res = await put(payload);
      assert.equal(res.statusCode, status, `${code}: ${res.body}`);
      assert.equal(res.json().code, code);
    }
    // Each refused value is named with a code and params, for a message in the respondent's language.
    assert.deepEqual((await put({ answers: [{ questionId: quiz.q2.id, value: ['rows'] }] })).json().errors, [
      { path: 'body.answers.0.value', code: 'answer_option_unknown', params: { id: 'rows' }, message: 'option "rows" is not an option of this question' },
    ]);
    const resumed = await t.request({ method: 'GET', url: `/api/v1/respond/${token}` });
    assert.deepEqual(resumed.json().response.answers, [{ questionId: quiz.q1.id, value: 'file' }]);

    // Missing required answers are named.
    const missing = await t.request({ method: 'POST', url: `/api/v1/respond/${token}/submit`, payload: { answers: [] } });
    assert.equal(missing.statusCode, 422, missing.body);
    assert.equal(missing.json().code, 'answers_missing');
    assert.match(missing.json().detail, /Aggregates/);

    // Changing q1 hides q3: its saved answer is dropped, not refused.
    const submit = { answers: [{ questionId: quiz.q1.id, value: 'rows' }, { questionId: quiz.q2.id, value: [quiz.q2.options[0].id, quiz.q2.options[2].id] }] };
    const submitted = await t.request({ method: 'POST', url: `/api/v1/respond/${token}/submit`, payload: submit });
    assert.equal(submitted.statusCode, 201, submitted.body);
    const result = submitted.json().result;
    assert.equal(result.score, 2, 'single 2/2 + multiple (1 right − 1 wrong)/2 × 3 = 0');
    assert.equal(result.maxScore, 5);
    assert.equal(result.percent, 40);
    assert.equal(result.passed, false);
    assert.deepEqual(result.skills, { sql: { score: 2, max: 5 }, stats: { score: 0, max: 3 } });
    assert.deepEqual(result.feedback.find((f: { questionId: string }) => f.questionId === quiz.q1.id).feedback, ['Yes: a set of rows.']);

    const retry = await t.request({ method: 'POST', url: `/api/v1/respond/${token}/submit`, payload: submit });
    assert.equal(retry.statusCode, 200, retry.body);
    assert.equal(retry.json().replayed, true);
    assert.equal(retry.json().result.score, 2);
    const second = await t.request({ method: 'POST', url: `/api/v1/respond/${token}/submit`, payload: { answers: [{ questionId: quiz.q2.id, value: [quiz.q2.options[0].id, quiz.q2.options[1].id] }] } });
    assert.equal(second.statusCode, 409);
    assert.equal(second.json().code, 'response_already_submitted');

    const row = await t.db.selectFrom('questionnaire_responses').selectAll().where('questionnaire_id', '=', quiz.id).executeTakeFirstOrThrow();
    assert.equal(row.person_id, org.learner.id);
    assert.equal(Number(row.score), 2);
    const answers = await t.db.selectFrom('questionnaire_answers').select(['question_id']).where('response_id', '=', row.id).execute();
    assert.equal(answers.length, 2, 'the hidden question’s saved answer was dropped');

    // Closing the questionnaire stops the second learner.
    assert.equal((await t.request({ method: 'POST', url: `/api/v1/questionnaires/${quiz.id}/close`, as: org.as.admin })).statusCode, 200);
    const closed = await t.request({ method: 'PUT', url: `/api/v1/respond/${tokens.get(learner2Email.toLowerCase())}/draft`, payload: { answers: [{ questionId: quiz.q1.id, value: 'rows' }] } });
    assert.equal(closed.statusCode, 409);
    assert.equal(closed.json().code, 'questionnaire_closed');
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/respond/not-a-real-token-at-all-xxxxxxxx' })).json().code, 'questionnaire_link_invalid');
  });

  test('results: per question, per skill, per cohort; free text; CSV; trainers read their cohorts only', async () => {
    const quiz = await buildQuiz();
    await t.request({ method: 'POST', url: `/api/v1/questionnaires/${quiz.id}/publish`, as: org.as.admin });
    await t.request({ method: 'POST', url: `/api/v1/questionnaires/${quiz.id}/distributions`, as: org.as.admin, payload: { targetType: 'cohort', targetId: cohortId, trigger: 'now', audience: 'learners' } });
    const mails = await t.db.selectFrom('outbox_mails').select(['to_address', 'text_body']).where('organisation_id', '=', org.organisation.id).orderBy('created_at', 'desc').limit(2).execute();
    const tokens = tokensFromOutbox(mails);
    const [o1, o2, o3] = quiz.q2.options.map((o: { id: string }) => o.id);
    const r1 = await t.request({ method: 'POST', url: `/api/v1/respond/${tokens.get(org.learner.email.toLowerCase())}/submit`, payload: { answers: [{ questionId: quiz.q1.id, value: 'rows' }, { questionId: quiz.q2.id, value: [o1, o2] }] } });
    assert.equal(r1.statusCode, 201, r1.body);
    const r2 = await t.request({ method: 'POST', url: `/api/v1/respond/${tokens.get(learner2Email.toLowerCase())}/submit`, payload: { answers: [{ questionId: quiz.q1.id, value: 'file' }, { questionId: quiz.q2.id, value: [o1, o3] }, { questionId: quiz.q3.id, value: 'Je confonds =SUM et SUM' }] } });
    assert.equal(r2.statusCode, 201, r2.body);

    const res = await t.request({ method: 'GET', url: `/api/v1/questionnaires/${quiz.id}/results?groupBy=cohort`, as: org.as.manager });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(body.summary, { responses: 2, meanScoreRate: 0.5, passRate: 0.5, satisfaction: null });
    const q1 = body.questions.find((q: { questionId: string }) => q.questionId === quiz.q1.id);
    assert.deepEqual(q1.distribution.map((d: { count: number }) => d.count), [1, 1]);
    assert.equal(q1.successRate, 0.5);
    assert.deepEqual(body.skills, [{ skill: 'sql', responses: 2, scoreRate: 0.5 }, { skill: 'stats', responses: 2, scoreRate: 0.5 }]);
    assert.deepEqual(body.groups.map((g: { label: string; responses: number }) => [g.label, g.responses]), [['DA-2026', 2]]);
    const byTrainer = (await t.request({ method: 'GET', url: `/api/v1/questionnaires/${quiz.id}/results?groupBy=trainer`, as: org.as.manager })).json();
    assert.deepEqual(byTrainer.groups.map((g: { key: string; responses: number }) => [g.key, g.responses]), [[org.trainer.id, 2]]);
    const byMonth = (await t.request({ method: 'GET', url: `/api/v1/questionnaires/${quiz.id}/results?groupBy=month&from=2026-03-01&to=2026-03-31`, as: org.as.manager })).json();
    assert.deepEqual(byMonth.groups.map((g: { key: string; responses: number }) => [g.key, g.responses]), [['2026-03', 2]]);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/questionnaires/${quiz.id}/results?from=2026-04-01`, as: org.as.manager })).json().summary.responses, 0);
    const dists = await t.request({ method: 'GET', url: `/api/v1/questionnaires/${quiz.id}/distributions`, as: org.as.admin });
    assert.deepEqual(dists.json().items.map((d: { invitations: number; responded: number }) => [d.invitations, d.responded]), [[2, 2]]);

    const text = await t.request({ method: 'GET', url: `/api/v1/questionnaires/${quiz.id}/results/text?q=sum`, as: org.as.admin });
    assert.deepEqual(text.json().items.map((i: { text: string }) => i.text), ['Je confonds =SUM et SUM']);

    const csv = await t.request({ method: 'GET', url: `/api/v1/questionnaires/${quiz.id}/results.csv`, as: org.as.admin });
    assert.equal(csv.statusCode, 200);
    assert.match(csv.headers['content-type'] as string, /text\/csv/);
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    assert.equal(lines.length, 1 + 5, 'header + 2 + 3 answers');
    assert.ok(lines.some((l) => l.includes('Je confonds =SUM et SUM')));
    const xlsx = await t.request({ method: 'GET', url: `/api/v1/questionnaires/${quiz.id}/results.xlsx`, as: org.as.admin });
    assert.equal(xlsx.statusCode, 200);
    const { unzipSync, strFromU8 } = await import('fflate');
    const { parseXml, child, children } = await import('./interchange/xml.ts');
    const sheet = parseXml(strFromU8(unzipSync(new Uint8Array(xlsx.rawPayload))['xl/worksheets/sheet1.xml']!));
    const sheetRows = children(child(sheet, 'sheetData')!, 'row');
    assert.equal(sheetRows.length, 6, 'the same rows as the CSV');
    const cellText = (c: ReturnType<typeof parseXml>) => (c.attrs.t === 'inlineStr' ? child(child(c, 'is')!, 't')!.text : child(c, 'v')!.text);
    assert.ok(sheetRows.some((r) => children(r, 'c').some((c) => cellText(c) === 'Je confonds =SUM et SUM')));
    assert.deepEqual(children(sheetRows[0]!, 'c').slice(0, 3).map(cellText), ['response', 'cohort', 'submitted_on']);
    const agg = await t.request({ method: 'GET', url: `/api/v1/questionnaires/${quiz.id}/results.csv?kind=aggregates`, as: org.as.admin });
    assert.match(agg.body, /SELECT returns…,single,2,,,0\.5,0\.5,,rows: 1 \| a file: 1/);

    // The cohort's trainer sees both responses; a trainer of no cohort sees none; learners are refused.
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/questionnaires/${quiz.id}/results`, as: org.as.trainer })).json().summary.responses, 2);
    const stranger = await makePerson(t.db, org.organisation.id, ['trainer']);
    const { sessionHeaders } = await import('../../../test/factories.ts');
    const strangerAs = await sessionHeaders(t.db, org.organisation.id, stranger.id);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/questionnaires/${quiz.id}/results`, as: strangerAs })).json().summary.responses, 0);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/questionnaires/${quiz.id}/results.csv`, as: strangerAs })).body.replace(/^\uFEFF/, '').trim().split('\r\n').length, 1);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/questionnaires/${quiz.id}/results`, as: org.as.learner })).statusCode, 403);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/questionnaires/${quiz.id}/results`, as: other.as.admin })).statusCode, 404);
  });

  test('interchange: import GIFT and Moodle XML into a draft, export GIFT, Moodle XML and QTI 3.0; syntax errors give line and column', async () => {
    const { readFileSync } = await import('node:fs');
    const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/questionnaires/${name}`, import.meta.url), 'utf8');
    const as = org.as.admin;
    const q = (await t.request({ method: 'POST', url: '/api/v1/questionnaires', as, payload: { kind: 'quiz', title: 'Bases de SQL' } })).json();
    const gift = await t.request({ method: 'POST', url: `/api/v1/questionnaires/${q.id}/import`, as, payload: { format: 'gift', content: fixture('sql-basics.gift'), sectionTitle: 'GIFT', skills: ['sql'] } });
    assert.equal(gift.statusCode, 201, gift.body);
    const xml = await t.request({ method: 'POST', url: `/api/v1/questionnaires/${q.id}/import`, as, payload: { format: 'moodle_xml', content: fixture('sql-basics.moodle.xml'), sectionTitle: 'Moodle' } });
    assert.equal(xml.statusCode, 201, xml.body);
    assert.deepEqual(xml.json().sections.map((s: { title: string; questions: unknown[] }) => [s.title, s.questions.length]), [['', 0], ['GIFT', 8], ['Moodle', 6]]);
    assert.deepEqual(gift.json().sections[1].questions[0].skills, ['sql']);

    const broken = await t.request({ method: 'POST', url: `/api/v1/questionnaires/${q.id}/import`, as, payload: { format: 'gift', content: fixture('broken-unclosed.gift') } });
    assert.equal(broken.statusCode, 422, broken.body);
    assert.equal(broken.json().code, 'interchange_syntax');
    assert.equal(broken.json().errors[0].line, 3);
    assert.match(broken.json().detail, /line 3, column \d+/);
    const brokenXml = await t.request({ method: 'POST', url: `/api/v1/questionnaires/${q.id}/import`, as, payload: { format: 'moodle_xml', content: fixture('broken-mismatch.moodle.xml') } });
    assert.equal(brokenXml.json().errors[0].line, 5);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/questionnaires/${q.id}`, as })).json().sections.length, 3, 'nothing imported from a broken file');

    assert.equal((await t.request({ method: 'POST', url: `/api/v1/questionnaires/${q.id}/publish`, as })).statusCode, 200);
    const exported = await t.request({ method: 'GET', url: `/api/v1/questionnaires/${q.id}/export?format=gift`, as });
    assert.equal(exported.statusCode, 200);
    const { parseGift } = await import('./interchange/gift.ts');
    const back = parseGift(exported.body);
    assert.equal(back.length, 14);
    assert.deepEqual(back.slice(0, 8).map((i) => i.prompt), parseGift(fixture('sql-basics.gift')).map((i) => i.prompt));
    const moodle = await t.request({ method: 'GET', url: `/api/v1/questionnaires/${q.id}/export?format=moodle_xml`, as });
    assert.match(moodle.headers['content-type'] as string, /application\/xml/);
    assert.equal((moodle.body.match(/<question type=/g) ?? []).length, 14);
    const qti = await t.request({ method: 'GET', url: `/api/v1/questionnaires/${q.id}/export?format=qti`, as });
    assert.equal(qti.headers['content-type'], 'application/zip');
    const { unzipSync } = await import('fflate');
    assert.equal(Object.keys(unzipSync(new Uint8Array(qti.rawPayload))).filter((f) => f.startsWith('items/')).length, 7, 'choice items only: 4 from the GIFT file (Q1, Q2, Q3 true/false, Q8) and 3 from the Moodle file');

    assert.equal((await t.request({ method: 'POST', url: `/api/v1/questionnaires/${q.id}/import`, as: org.as.learner, payload: { format: 'gift', content: '{}' } })).statusCode, 403);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/questionnaires/${q.id}/export?format=gift`, as: other.as.admin })).statusCode, 404);
  });

  test('question banks: a section draws N random questions per respondent, kept across saves and scored; external contacts; resubmission by setting', async () => {
    const as = org.as.admin;
    const bank = (await t.request({ method: 'POST', url: '/api/v1/question-banks', as, payload: { title: 'Banque SQL' } })).json();
    const bankQuestions: string[] = [];
    for (let i = 0; i < 5; i++) {
      const q = await t.request({ method: 'POST', url: `/api/v1/question-banks/${bank.id}/questions`, as, payload: { type: 'single', prompt: `Banque ${i}`, required: true, points: 1, skills: ['sql'], options: [{ id: 'ok', label: 'ok', correct: true }, { id: 'ko', label: 'ko' }] } });
      assert.equal(q.statusCode, 201, q.body);
      bankQuestions.push(q.json().id);
    }
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/question-banks', as })).json().items.find((b: { id: string }) => b.id === bank.id).questionCount, 5);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/question-banks/${bank.id}`, as })).json().questions.length, 5);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/question-banks/${bank.id}`, as: other.as.admin })).statusCode, 404);
    const quiz = (await t.request({ method: 'POST', url: '/api/v1/questionnaires', as, payload: { kind: 'quiz', title: 'Tirage', settings: { allowResubmission: true } } })).json();
    const tooMany = await t.request({ method: 'POST', url: `/api/v1/questionnaires/${quiz.id}/sections`, as, payload: { title: 'Tirage', draw: { bankId: bank.id, count: 6 } } });
    assert.equal(tooMany.statusCode, 201);
    const refused = await t.request({ method: 'POST', url: `/api/v1/questionnaires/${quiz.id}/publish`, as });
    assert.equal(refused.statusCode, 422);
    assert.match(refused.json().errors[0].message, /draws 6 questions from a bank that holds 5/);
    await t.request({ method: 'PATCH', url: `/api/v1/questionnaire-sections/${tooMany.json().id}`, as, payload: { draw: { bankId: bank.id, count: 2 } } });
    await t.request({ method: 'DELETE', url: `/api/v1/questionnaire-sections/${quiz.sections[0].id}`, as });
    assert.equal((await t.request({ method: 'POST', url: `/api/v1/questionnaires/${quiz.id}/publish`, as })).statusCode, 200);

    const dist = await t.request({ method: 'POST', url: `/api/v1/questionnaires/${quiz.id}/distributions`, as, payload: { targetType: 'cohort', targetId: cohortId, trigger: 'now', audience: 'external', externalEmails: ['RH@Employeur.example'] } });
    assert.equal(dist.statusCode, 201, dist.body);
    assert.equal(dist.json().invitations, 1);
    const mail = await t.db.selectFrom('outbox_mails').select(['to_address', 'text_body']).where('to_address', '=', 'rh@employeur.example').executeTakeFirstOrThrow();
    const token = tokensFromOutbox([mail]).get('rh@employeur.example')!;
    // Drawn at the first save, then kept.
    const first = await t.request({ method: 'PUT', url: `/api/v1/respond/${token}/draft`, payload: { answers: [] } });
    assert.equal(first.statusCode, 200, first.body);
    const drawn = first.json().visibleQuestionIds as string[];
    assert.equal(drawn.length, 2);
    assert.ok(drawn.every((id) => bankQuestions.includes(id)));
    const view = (await t.request({ method: 'GET', url: `/api/v1/respond/${token}` })).json();
    assert.deepEqual(view.sections[0].questions.map((q: { id: string }) => q.id), drawn);
    const notDrawn = bankQuestions.find((id) => !drawn.includes(id))!;
    assert.equal((await t.request({ method: 'PUT', url: `/api/v1/respond/${token}/draft`, payload: { answers: [{ questionId: notDrawn, value: 'ok' }] } })).json().code, 'question_unknown');
    const submitted = await t.request({ method: 'POST', url: `/api/v1/respond/${token}/submit`, payload: { answers: [{ questionId: drawn[0], value: 'ok' }, { questionId: drawn[1], value: 'ko' }] } });
    assert.equal(submitted.statusCode, 201, submitted.body);
    assert.equal(submitted.json().result.score, 1);
    // allowResubmission: a second, different submission updates the response.
    const resubmitted = await t.request({ method: 'POST', url: `/api/v1/respond/${token}/submit`, payload: { answers: [{ questionId: drawn[1], value: 'ok' }] } });
    assert.equal(resubmitted.statusCode, 201, resubmitted.body);
    assert.equal(resubmitted.json().result.score, 2);
    const row = await t.db.selectFrom('questionnaire_responses').select(['submissions', 'score', 'person_id']).where('questionnaire_id', '=', quiz.id).executeTakeFirstOrThrow();
    assert.deepEqual([row.submissions, Number(row.score), row.person_id], [2, 2, null]);

    // Concurrent retries through one link: one response, every call answered, the same final score; a draft save after submission is refused.
    assert.equal((await t.request({ method: 'PUT', url: `/api/v1/respond/${token}/draft`, payload: { answers: [] } })).json().code, 'response_already_submitted');
    const calls = await Promise.all([
      ...Array.from({ length: 4 }, () => t.request({ method: 'POST', url: `/api/v1/respond/${token}/submit`, payload: { answers: [] } })),
      ...Array.from({ length: 3 }, () => t.request({ method: 'POST', url: `/api/v1/respond/${token}/submit`, payload: { answers: [{ questionId: drawn[0], value: 'ok' }] } })),
    ]);
    assert.deepEqual(calls.map((c) => c.statusCode).filter((s) => s >= 300), [], calls.map((c) => c.body).join('\n'));
    const rows = await t.db.selectFrom('questionnaire_responses').select(['score']).where('questionnaire_id', '=', quiz.id).execute();
    assert.deepEqual(rows.map((r) => Number(r.score)), [2]);
  });

  test('anonymous satisfaction at the end of a session: sent by the job when due, no stored link between response and person; reminders', async () => {
    const created = (await t.request({ method: 'POST', url: '/api/v1/questionnaires/from-template', as: org.as.admin, payload: { key: 'end_of_session_satisfaction', locale: 'en' } })).json();
    await t.request({ method: 'POST', url: `/api/v1/questionnaires/${created.id}/publish`, as: org.as.admin });
    const dist = await t.request({ method: 'POST', url: `/api/v1/questionnaires/${created.id}/distributions`, as: org.as.admin, payload: { targetType: 'session', targetId: sessionId, trigger: 'end_of_session', audience: 'learners', reminderDays: [2] } });
    assert.equal(dist.statusCode, 201, dist.body);
    assert.equal(dist.json().status, 'scheduled');
    assert.equal(dist.json().dueAt, '2026-03-10T11:30:00.000Z');
    assert.deepEqual(await distributeDue({ db: t.db, clock: t.clock, publicUrl: 'http://x' }), { sent: 0, invitations: 0, reminders: 0, closed: 0 });

    t.clock.set('2026-03-10T11:31:00Z');
    const run = await distributeDue({ db: t.db, clock: t.clock, publicUrl: 'http://x' });
    assert.equal(run.invitations, 2);
    const mails = await t.db.selectFrom('outbox_mails').select(['to_address', 'text_body']).where('subject', 'like', 'End-of-session satisfaction%').execute();
    const token = tokensFromOutbox(mails).get(org.learner.email.toLowerCase())!;
    const view = (await t.request({ method: 'GET', url: `/api/v1/respond/${token}` })).json();
    const [overall, pace, clarity] = view.sections[0].questions;
    const sent = await t.request({ method: 'POST', url: `/api/v1/respond/${token}/submit`, payload: { answers: [{ questionId: overall.id, value: 5 }, { questionId: pace.id, value: 4 }, { questionId: clarity.id, value: 4 }] } });
    assert.equal(sent.statusCode, 201, sent.body);
    assert.equal(sent.json().result, null);
    const response = await t.db.selectFrom('questionnaire_responses').selectAll().where('questionnaire_id', '=', created.id).executeTakeFirstOrThrow();
    assert.equal(response.person_id, null);
    assert.equal(response.invitation_id, null);
    assert.equal(response.submitted_at!.toISOString(), '2026-03-10T00:00:00.000Z', 'only the day is kept');
    // No audit row per anonymous submission (it would give the exact time); the distribution run audits the count.
    assert.equal((await t.db.selectFrom('audit_events').select('id').where('type', '=', 'questionnaire.response_submitted').where('subject_id', '=', created.id).execute()).length, 0);

    // Two days later, the learner who has not answered gets a reminder with a new working link.
    t.clock.set('2026-03-12T12:00:00Z');
    const reminders = await distributeDue({ db: t.db, clock: t.clock, publicUrl: 'http://x' });
    assert.equal(reminders.reminders, 1);
    const audit = await t.db.selectFrom('audit_events').select(['subject_id', 'payload', 'actor_id']).where('type', '=', 'questionnaire.anonymous_responses_counted').where('subject_id', '=', created.id).execute();
    assert.deepEqual(audit.map((a) => [a.payload.responses, a.payload.submissions, a.actor_id]), [[1, 1, null]]);
    assert.ok(!JSON.stringify(audit).includes(org.learner.id));
    const reminder = await t.db.selectFrom('outbox_mails').select(['to_address', 'text_body']).where('subject', 'like', 'Reminder: End-of-session%').execute();
    assert.deepEqual(reminder.map((m) => m.to_address), [learner2Email.toLowerCase()]);
    const again = await distributeDue({ db: t.db, clock: t.clock, publicUrl: 'http://x' });
    assert.equal(again.reminders, 0, 'a reminder goes once');
    assert.equal((await t.db.selectFrom('audit_events').select('id').where('type', '=', 'questionnaire.anonymous_responses_counted').where('subject_id', '=', created.id).execute()).length, 1, 'counted again only when it changes');
    const link = tokensFromOutbox(reminder).get(learner2Email.toLowerCase())!;
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/respond/${link}` })).statusCode, 200);
  });
});
