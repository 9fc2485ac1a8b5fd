import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeOrganisationWithStaff, makePerson } from '../../../test/factories.ts';
import { distributeDue } from './distribute-due.ts';

/**
 * The respondent's rules not covered by questionnaires.test.ts: the closing
 * date (the distribution's and the questionnaire's own) is enforced on saves
 * and submissions and ends reminders; a closed questionnaire refuses a
 * submission; option ids of another questionnaire are refused; no score field
 * of any kind is accepted from the client; a request cut off mid-body (as when
 * the connection drops) leaves the saved draft as it was.
 */
describe('questionnaires: closing dates, foreign options, client scores, interrupted saves', () => {
  let t: TestContext;
  let org: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  let cohortId: string;
  const emails: string[] = [];

  before(async () => {
    t = await createTestContext({ now: '2026-03-02T08:00:00Z' });
    org = await makeOrganisationWithStaff(t.db);
    const as = org.as.admin;
    const program = (await t.request({ method: 'POST', url: '/api/v1/programs', as, payload: { title: 'Règles' } })).json();
    cohortId = (await t.request({ method: 'POST', url: '/api/v1/cohorts', as, payload: { programId: program.id, name: 'R-2026' } })).json().id;
    for (let i = 0; i < 3; i++) {
      const p = await makePerson(t.db, org.organisation.id, ['learner']);
      emails.push(p.email.toLowerCase());
      await t.request({ method: 'POST', url: `/api/v1/cohorts/${cohortId}/enrolments`, as, payload: { personId: p.id } });
    }
  });
  after(() => t.close());

  /** A published quiz with one single-choice question (custom option ids), distributed now to the cohort; the tokens by email. */
  async function distributedQuiz(title: string, options: { closesAt?: string; settingsClosesAt?: string; optionIds?: [string, string]; reminderDays?: number[]; showFeedback?: boolean } = {}) {
    const as = org.as.admin;
    const q = (await t.request({ method: 'POST', url: '/api/v1/questionnaires', as, payload: { kind: 'quiz', title, settings: { ...(options.settingsClosesAt ? { closesAt: options.settingsClosesAt } : {}), ...(options.showFeedback !== undefined ? { showFeedback: options.showFeedback } : {}) } } })).json();
    const [right, wrong] = options.optionIds ?? ['yes', 'no'];
    const question = await t.request({ method: 'POST', url: `/api/v1/questionnaire-sections/${q.sections[0].id}/questions`, as, payload: { type: 'single', prompt: `${title} ?`, required: true, points: 1, options: [{ id: right, label: right, correct: true }, { id: wrong, label: wrong }] } });
    assert.equal(question.statusCode, 201, question.body);
    assert.equal((await t.request({ method: 'POST', url: `/api/v1/questionnaires/${q.id}/publish`, as })).statusCode, 200);
    const dist = await t.request({ method: 'POST', url: `/api/v1/questionnaires/${q.id}/distributions`, as, payload: { targetType: 'cohort', targetId: cohortId, trigger: 'now', audience: 'learners', ...(options.closesAt ? { closesAt: options.closesAt } : {}), ...(options.reminderDays ? { reminderDays: options.reminderDays } : {}) } });
    assert.equal(dist.statusCode, 201, dist.body);
    const tokens = new Map<string, string>();
    for (const m of await t.db.selectFrom('outbox_mails').select(['to_address', 'text_body']).where('subject', 'like', `${title}%`).execute()) {
      const match = /\/respond\/([A-Za-z0-9_-]{16,})/.exec(m.text_body);
      if (match) tokens.set(m.to_address, match[1]!);
    }
    assert.equal(tokens.size, 3, `three invitations for ${title}`);
    return { id: q.id as string, questionId: question.json().id as string, right, wrong, tokens };
  }
  const save = (token: string, payload: unknown) => t.request({ method: 'PUT', url: `/api/v1/respond/${token}/draft`, payload: payload as never });
  const submit = (token: string, payload: unknown) => t.request({ method: 'POST', url: `/api/v1/respond/${token}/submit`, payload: payload as never });

  test('a quiz set not to show the score and feedback gives the respondent none, and still stores the score', async () => {
    t.clock.set('2026-03-02T08:00:00Z');
    const shown = await distributedQuiz('Avec correction', { showFeedback: true });
    const hidden = await distributedQuiz('Sans correction', { showFeedback: false });
    const a = shown.tokens.get(emails[0]!)!;
    const c = hidden.tokens.get(emails[0]!)!;
    const withResult = await submit(a, { answers: [{ questionId: shown.questionId, value: shown.right }] });
    assert.equal(withResult.statusCode, 201, withResult.body);
    assert.equal(withResult.json().result.score, 1);
    const withoutResult = await submit(c, { answers: [{ questionId: hidden.questionId, value: hidden.right }] });
    assert.equal(withoutResult.statusCode, 201, withoutResult.body);
    assert.equal(withoutResult.json().result, null);
    const replay = await submit(c, { answers: [] });
    assert.equal(replay.json().result, null, 'a retry does not reveal it either');
    const stored = await t.db.selectFrom('questionnaire_responses').select(['score', 'max_score']).where('questionnaire_id', '=', hidden.id).where('status', '=', 'submitted').execute();
    assert.deepEqual(stored.map((r) => [Number(r.score), Number(r.max_score)]), [[1, 1]]);
  });

  test("the distribution's closing date: saves and submissions refused after it, the view says so, reminders stop, the run closes it", async () => {
    t.clock.set('2026-03-02T08:00:00Z');
    const quiz = await distributedQuiz('Clôture distribution', { closesAt: '2026-03-05T17:00:00+01:00', reminderDays: [1, 5] });
    const [a, b, c] = emails.map((e) => quiz.tokens.get(e)!);
    assert.equal((await save(a!, { answers: [{ questionId: quiz.questionId, value: quiz.right }] })).statusCode, 200);
    t.clock.set('2026-03-05T15:59:00Z');
    assert.equal((await submit(b!, { answers: [{ questionId: quiz.questionId, value: quiz.right }] })).statusCode, 201, 'one minute before the closing date');
    t.clock.set('2026-03-05T16:00:00Z');
    for (const res of [await submit(a!, { answers: [] }), await save(c!, { answers: [{ questionId: quiz.questionId, value: quiz.wrong }] })]) {
      assert.equal(res.statusCode, 409, res.body);
      assert.equal(res.json().code, 'questionnaire_closed');
    }
    const view = (await t.request({ method: 'GET', url: `/api/v1/respond/${a}` })).json();
    assert.equal(view.response.canSubmit, false);
    assert.equal(view.questionnaire.closesAt, '2026-03-05T16:00:00.000Z');
    assert.deepEqual(view.response.answers, [{ questionId: quiz.questionId, value: quiz.right }], 'the draft is kept, readable');
    const statuses = await t.db.selectFrom('questionnaire_responses').select('status').where('questionnaire_id', '=', quiz.id).orderBy('status').execute();
    assert.deepEqual(statuses.map((s) => s.status), ['draft', 'submitted']);

    t.clock.set('2026-03-08T09:00:00Z'); // day 5 after sending would be a reminder day, but the distribution closed on day 3
    const before = await t.db.selectFrom('outbox_mails').select('id').where('subject', 'like', '%Clôture distribution%').execute();
    const runResult = await distributeDue({ db: t.db, clock: t.clock, publicUrl: 'http://emarge.test' });
    assert.equal(runResult.reminders, 0);
    assert.ok(runResult.closed >= 1);
    assert.equal((await t.db.selectFrom('outbox_mails').select('id').where('subject', 'like', '%Clôture distribution%').execute()).length, before.length, 'no reminder after the closing date');
    assert.equal((await t.db.selectFrom('questionnaire_distributions').select('status').where('questionnaire_id', '=', quiz.id).executeTakeFirstOrThrow()).status, 'closed');
  });

  test("the questionnaire's own closing date, and a closed questionnaire, refuse a submission", async () => {
    t.clock.set('2026-03-10T08:00:00Z');
    const quiz = await distributedQuiz('Clôture réglage', { settingsClosesAt: '2026-03-11T12:00:00Z' });
    const [a, b] = emails.map((e) => quiz.tokens.get(e)!);
    t.clock.set('2026-03-11T12:00:01Z');
    const late = await submit(a!, { answers: [{ questionId: quiz.questionId, value: quiz.right }] });
    assert.equal(late.statusCode, 409, late.body);
    assert.equal(late.json().code, 'questionnaire_closed');

    t.clock.set('2026-03-12T08:00:00Z');
    const open = await distributedQuiz('Clôture manuelle');
    assert.equal((await t.request({ method: 'POST', url: `/api/v1/questionnaires/${open.id}/close`, as: org.as.manager })).statusCode, 200);
    const closed = await submit(open.tokens.get(emails[1]!)!, { answers: [{ questionId: open.questionId, value: open.right }] });
    assert.equal(closed.statusCode, 409, closed.body);
    assert.equal(closed.json().code, 'questionnaire_closed');
    assert.equal(await t.db.selectFrom('questionnaire_responses').select('id').where('questionnaire_id', 'in', [quiz.id, open.id]).executeTakeFirst(), undefined, 'nothing stored');
    assert.ok(b);
  });

  test('option ids of another questionnaire, and scores of any kind from the client, are refused; the draft stays', async () => {
    t.clock.set('2026-03-16T08:00:00Z');
    const mine = await distributedQuiz('Options locales', { optionIds: ['local-right', 'local-wrong'] });
    const theirs = await distributedQuiz('Options étrangères', { optionIds: ['foreign-right', 'foreign-wrong'] });
    const token = mine.tokens.get(emails[0]!)!;
    assert.equal((await save(token, { answers: [{ questionId: mine.questionId, value: 'local-wrong' }] })).statusCode, 200);
    const cases: Array<[unknown, number, string]> = [
      [{ answers: [{ questionId: mine.questionId, value: theirs.right }] }, 422, 'option_unknown'],
      [{ answers: [{ questionId: theirs.questionId, value: theirs.right }] }, 422, 'question_unknown'],
      [{ answers: [{ questionId: mine.questionId, value: 'local-right' }], passed: true }, 400, 'score_not_accepted'],
      [{ answers: [{ questionId: mine.questionId, value: 'local-right' }], maxScore: 1, score: 1 }, 400, 'score_not_accepted'],
    ];
    for (const [payload, status, code] of cases) {
      for (const res of [await save(token, payload), await submit(token, payload)]) {
        assert.equal(res.statusCode, status, `${code}: ${res.body}`);
        assert.equal(res.json().code, code);
      }
    }
    const view = (await t.request({ method: 'GET', url: `/api/v1/respond/${token}` })).json();
    assert.deepEqual(view.response.answers, [{ questionId: mine.questionId, value: 'local-wrong' }]);
    assert.equal(view.response.status, 'draft');
    // The server scores what is stored: the wrong option scores 0 whatever the client claims.
    const sent = await submit(token, { answers: [] });
    assert.equal(sent.statusCode, 201, sent.body);
    assert.equal(sent.json().result.score, 0);
    assert.equal(sent.json().result.percent, 0);
  });

  test('a save cut off mid-body (connection dropped) changes nothing; the next full save replaces the draft at once', async () => {
    t.clock.set('2026-03-18T08:00:00Z');
    const quiz = await distributedQuiz('Coupure');
    const token = quiz.tokens.get(emails[2]!)!;
    assert.equal((await save(token, { answers: [{ questionId: quiz.questionId, value: quiz.wrong }] })).statusCode, 200);
    const full = JSON.stringify({ answers: [{ questionId: quiz.questionId, value: quiz.right }] });
    const cut = await t.request({ method: 'PUT', url: `/api/v1/respond/${token}/draft`, payload: full.slice(0, full.length - 7), headers: { 'content-type': 'application/json' } });
    assert.equal(cut.statusCode, 400, cut.body);
    assert.equal(cut.json().code, 'malformed_json');
    const stored = async () => (await t.db.selectFrom('questionnaire_answers as a').innerJoin('questionnaire_responses as r', (j) => j.onRef('r.organisation_id', '=', 'a.organisation_id').onRef('r.id', '=', 'a.response_id')).select('a.value').where('r.questionnaire_id', '=', quiz.id).execute()).map((r) => r.value);
    assert.deepEqual(await stored(), [quiz.wrong], 'the previous save is intact');
    assert.equal((await t.request({ method: 'PUT', url: `/api/v1/respond/${token}/draft`, payload: full, headers: { 'content-type': 'application/json' } })).statusCode, 200);
    assert.deepEqual(await stored(), [quiz.right]);
  });
});
