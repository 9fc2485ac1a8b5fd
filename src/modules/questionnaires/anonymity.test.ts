import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeOrganisationWithStaff, makePerson } from '../../../test/factories.ts';
import { hashToken } from '../../platform/auth/tokens.ts';
import { distributeDue } from './distribute-due.ts';
import { resumeKeyHash } from './respondent-context.ts';

/**
 * "Anonymous truly stores no link to the person." Three learners receive an
 * anonymous satisfaction questionnaire; one answers at once, one saves a draft
 * and answers later through a reminder's link, one never answers. Then every
 * row of every table is read (as the database owner, RLS bypassed) and:
 *   - no row carries both something that designates a learner (person id,
 *     email, invitation id, token hash, token) and something that designates a
 *     response (response id, resume key);
 *   - no token is left anywhere (the outbox copies lose them once delivered);
 *   - no row of another table shares a transaction id (xmin, or xmax left by
 *     a row lock) with a response or answer row (the distribution run rewrites
 *     the invitations; anonymous submissions are audited by count, later);
 *   - the response keeps the day only.
 */
describe('anonymous questionnaires: no row links a response to a person', () => {
  let t: TestContext;
  let org: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  const learners: Array<{ id: string; email: string }> = [];
  const tokens = new Map<string, string[]>();
  let questionnaireId: string;
  const run = () => distributeDue({ db: t.db, clock: t.clock, publicUrl: 'http://emarge.test' });
  const collectTokens = async () => {
    for (const m of await t.db.selectFrom('outbox_mails').select(['to_address', 'text_body']).where('organisation_id', '=', org.organisation.id).execute()) {
      for (const [, token] of m.text_body.matchAll(/\/respond\/([A-Za-z0-9_-]{16,})/g)) {
        const list = tokens.get(m.to_address) ?? [];
        if (!list.includes(token!)) list.push(token!);
        tokens.set(m.to_address, list);
      }
    }
  };
  /** What the dispatcher does once the SMTP server has accepted the mails. */
  const deliverAll = () => t.db.updateTable('outbox_mails').set({ status: 'sent', sent_at: t.clock.now() }).where('organisation_id', '=', org.organisation.id).where('status', 'in', ['pending', 'stored']).execute();

  before(async () => {
    t = await createTestContext();
    org = await makeOrganisationWithStaff(t.db);
    const as = org.as.admin;
    const post = async (url: string, payload: unknown) => {
      const res = await t.request({ method: 'POST', url, as, payload: payload as never });
      assert.ok(res.statusCode < 300, `${url}: ${res.body}`);
      return res.json();
    };
    const program = await post('/api/v1/programs', { title: 'Accueil' });
    const cohort = await post('/api/v1/cohorts', { programId: program.id, name: 'Groupe anonyme' });
    learners.push(org.learner, await makePerson(t.db, org.organisation.id, ['learner']), await makePerson(t.db, org.organisation.id, ['learner']));
    for (const l of learners) await post(`/api/v1/cohorts/${cohort.id}/enrolments`, { personId: l.id });
    const q = await post('/api/v1/questionnaires/from-template', { key: 'end_of_session_satisfaction', locale: 'fr' });
    questionnaireId = q.id;
    assert.equal(q.anonymous, true, 'the satisfaction template is anonymous');
    await post(`/api/v1/questionnaires/${q.id}/publish`, {});
    await post(`/api/v1/questionnaires/${q.id}/distributions`, { targetType: 'cohort', targetId: cohort.id, trigger: 'now', audience: 'learners', reminderDays: [2] });
    await run();
    await collectTokens();
    assert.equal(tokens.size, 3);
  });
  after(() => t.close());

  async function answer(token: string, via: 'submit' | 'draft') {
    const view = (await t.request({ method: 'GET', url: `/api/v1/respond/${token}` })).json();
    const answers = view.sections.flatMap((s: { questions: Array<{ id: string; type: string; required: boolean }> }) => s.questions).filter((q: { type: string }) => q.type === 'rating').map((q: { id: string }) => ({ questionId: q.id, value: 4 }));
    const others = view.sections.flatMap((s: { questions: Array<{ id: string; type: string; required: boolean }> }) => s.questions).filter((q: { type: string; required: boolean }) => q.type !== 'rating' && q.required);
    assert.deepEqual(others, [], 'the template asks only ratings as required questions');
    return via === 'submit' ? t.request({ method: 'POST', url: `/api/v1/respond/${token}/submit`, payload: { answers } }) : t.request({ method: 'PUT', url: `/api/v1/respond/${token}/draft`, payload: { answers } });
  }

  test('answers once through any of the links; reminders only to those who have not answered', async () => {
    const [first, second, third] = learners.map((l) => tokens.get(l.email.toLowerCase())![0]!);
    t.clock.set('2026-03-02T09:17:00Z');
    assert.equal((await answer(first!, 'submit')).statusCode, 201);
    assert.equal((await answer(second!, 'draft')).statusCode, 200);
    await deliverAll();

    t.clock.set('2026-03-04T10:00:00Z');
    const reminded = await run();
    assert.equal(reminded.reminders, 2, 'the second and third learners are reminded, not the first');
    await collectTokens();
    const secondLink2 = tokens.get(learners[1]!.email.toLowerCase())![1]!;
    assert.ok(secondLink2 && tokens.get(learners[0]!.email.toLowerCase())!.length === 1);

    t.clock.set('2026-03-04T16:42:00Z');
    assert.equal((await answer(secondLink2, 'submit')).statusCode, 201, 'the reminder link works');
    // The first link still holds the draft, but the invitation has been answered: no second response.
    const viaFirst = await answer(second!, 'submit');
    assert.equal(viaFirst.statusCode, 409, viaFirst.body);
    assert.equal(viaFirst.json().code, 'response_already_submitted');
    assert.equal((await answer(second!, 'draft')).statusCode, 409);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/respond/${second}` })).json().response.canSubmit, false);
    assert.equal((await answer(third!, 'draft')).statusCode, 200, 'the third learner may still answer');

    const submitted = await t.db.selectFrom('questionnaire_responses').select(['submitted_at', 'person_id', 'invitation_id']).where('questionnaire_id', '=', questionnaireId).where('status', '=', 'submitted').execute();
    assert.equal(submitted.length, 2);
    for (const r of submitted) {
      assert.equal(r.person_id, null);
      assert.equal(r.invitation_id, null);
      assert.equal(r.submitted_at!.toISOString().slice(10), 'T00:00:00.000Z', 'the day only');
    }
  });

  test('no row of any table links a response to a person, in its values or its transaction id', async () => {
    await deliverAll();
    const personMarks = new Set<string>();
    for (const l of learners) {
      personMarks.add(l.id);
      personMarks.add(l.email.toLowerCase());
      for (const token of tokens.get(l.email.toLowerCase())!) {
        personMarks.add(token);
        personMarks.add(hashToken(token));
      }
    }
    for (const i of await t.db.selectFrom('questionnaire_invitations').select('id').where('questionnaire_id', '=', questionnaireId).execute()) personMarks.add(i.id);
    const allTokens = [...tokens.values()].flat();
    const responses = await t.db.selectFrom('questionnaire_responses').select(['id', 'resume_key_hash']).where('questionnaire_id', '=', questionnaireId).execute();
    assert.equal(responses.length, 4, 'two submitted, two drafts');
    const responseMarks = new Set(responses.flatMap((r) => [r.id, r.resume_key_hash]));
    // The resume keys are derived from tokens: with the tokens gone, nothing stored recomputes them.
    assert.ok(allTokens.some((tk) => responseMarks.has(resumeKeyHash(tk))));

    const tables = (await sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`.execute(t.db)).rows.map((r) => r.table_name);
    const readAll = async () => {
      const rows: Array<{ table: string; json: string; xmin: string; xmax: string }> = [];
      for (const table of tables) {
        const { rows: found } = await sql<{ j: string; x: string; y: string }>`SELECT row_to_json(t)::text AS j, t.xmin::text AS x, t.xmax::text AS y FROM ${sql.table(table)} t`.execute(t.db);
        for (const r of found) rows.push({ table, json: r.j.toLowerCase(), xmin: r.x, xmax: r.y });
      }
      return rows;
    };
    const designates = (json: string, marks: Set<string>) => [...marks].some((m) => json.includes(m.toLowerCase()));
    // Any other row written (or locked: a row lock leaves its transaction's id in xmax) in a response's transaction:
    // it would pair with the response, and give its exact time (audit rows, mails…).
    const sharedXmin = (rows: Awaited<ReturnType<typeof readAll>>) => {
      const own = (r: { table: string }) => r.table === 'questionnaire_responses' || r.table === 'questionnaire_answers';
      const responseXmins = new Set(rows.filter((r) => own(r) && designates(r.json, responseMarks)).map((r) => r.xmin));
      // (xmax of the questionnaire row itself is left by the foreign-key check of a response insert: it names no one.)
      return rows.filter((r) => !own(r) && (responseXmins.has(r.xmin) || (responseXmins.has(r.xmax) && designates(r.json, personMarks)))).map((r) => r.table);
    };

    // Before the distribution run: delivered mails still hold the links, and the last answer's invitation shares its transaction.
    const beforeRun = await readAll();
    assert.ok(beforeRun.some((r) => r.table === 'outbox_mails' && allTokens.some((tk) => r.json.includes(tk.toLowerCase()))), 'the outbox held the links');
    assert.deepEqual(sharedXmin(beforeRun), ['questionnaire_invitations'], 'the flag written with the response shares its transaction until the run');

    await run();
    const rows = await readAll();
    const linking = rows.filter((r) => designates(r.json, personMarks) && designates(r.json, responseMarks));
    assert.deepEqual(linking.map((r) => r.table), [], 'no row names both a learner and a response');
    const leaked = rows.filter((r) => allTokens.some((tk) => r.json.includes(tk.toLowerCase())));
    assert.deepEqual(leaked.map((r) => r.table), [], 'no token is stored anywhere');
    assert.deepEqual(sharedXmin(rows), [], 'no other row was written in a response’s transaction');
    // The mails were delivered: their copies say so, without the link.
    const mails = await t.db.selectFrom('outbox_mails').select('text_body').where('organisation_id', '=', org.organisation.id).where('text_body', 'like', '%/respond/%').execute();
    assert.ok(mails.length >= 5 && mails.every((m) => m.text_body.includes('/respond/[removed after delivery]')));
  });
});
