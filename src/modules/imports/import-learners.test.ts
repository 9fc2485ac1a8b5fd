import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeOrganisationWithStaff, makePerson } from '../../../test/factories.ts';
import { fixture, importCounts, makeCohort } from '../../../test/import-fixtures.ts';

type Org = Awaited<ReturnType<typeof makeOrganisationWithStaff>>;

describe('CSV import of learners', () => {
  let t: TestContext;
  let org: Org;
  let other: Org;
  before(async () => {
    t = await createTestContext();
    org = await makeOrganisationWithStaff(t.db);
    other = await makeOrganisationWithStaff(t.db);
  });
  after(() => t.close());

  const post = (o: { as: Record<string, string>; query: string; file: Buffer | string; type?: string }) =>
    t.request({ method: 'POST', url: `/api/v1/imports/learners?${o.query}`, as: o.as, headers: { 'content-type': o.type ?? 'text/csv' }, payload: o.file });

  test('30 learners with accents: the dry run previews and writes nothing; the commit creates and enrols them in one transaction; the same file again only updates', async () => {
    const { cohort } = await makeCohort(t.db, org.organisation.id);
    const file = fixture('learners-utf8.csv');
    const before = await importCounts(t.db);

    const preview = await post({ as: org.as.admin, query: `cohortId=${cohort.id}`, file });
    assert.equal(preview.statusCode, 200, preview.body);
    const p = preview.json();
    assert.equal(p.dryRun, true);
    assert.equal(p.delimiter, ',');
    assert.deepEqual(p.columns.map((c: { name: string }) => c.name), ['email', 'first_name', 'last_name', 'phone', 'external_ref']);
    assert.deepEqual(p.summary, { total: 30, valid: 30, invalid: 0, create: 30, update: 0, exists: 0 });
    assert.deepEqual(p.rows[0], {
      line: 2,
      values: { email: 'elodie.lefevre@exemple.fr', first_name: 'Élodie', last_name: 'Lefèvre', phone: '', external_ref: 'STG-001' },
      status: 'create',
      errors: [],
    });
    assert.equal(p.rows[29].line, 31);
    assert.deepEqual(await importCounts(t.db), before, 'a dry run writes nothing');

    const commit = await post({ as: org.as.manager, query: `cohortId=${cohort.id}&dryRun=false`, file });
    assert.equal(commit.statusCode, 201, commit.body);
    assert.deepEqual(commit.json(), { kind: 'learners', dryRun: false, created: 30, updated: 0, enrolled: 30, existing: 0, skippedLines: [], errors: [] });
    const people = await t.db.selectFrom('people').select(['email', 'given_name', 'family_name', 'phone', 'external_ref']).where('organisation_id', '=', org.organisation.id).where('email', 'like', '%@exemple.fr').orderBy('external_ref').execute();
    assert.equal(people.length, 30);
    assert.deepEqual(people[1], { email: 'zoe.duboeuf@exemple.fr', given_name: 'Zoé', family_name: 'Dubœuf', phone: '06 12 34 01 11', external_ref: 'STG-002' });
    const enrolled = await t.db.selectFrom('enrolments').select('person_id').where('cohort_id', '=', cohort.id).execute();
    assert.equal(enrolled.length, 30);
    const learnerRoles = await t.db.selectFrom('person_roles as r').innerJoin('people as p', 'p.id', 'r.person_id').where('p.email', 'like', '%@exemple.fr').where('r.role', '=', 'learner').select('r.person_id').execute();
    assert.equal(learnerRoles.length, 30);
    const audit = await t.db.selectFrom('audit_events').select(['type', 'actor_type', 'actor_id', 'payload']).where('subject_id', '=', cohort.id).execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.type, 'import.completed');
    assert.equal(audit[0]!.actor_id, org.manager.id);
    assert.deepEqual(audit[0]!.payload, { kind: 'learners', rows: 30, created: 30, updated: 0 });

    const afterFirst = await importCounts(t.db);
    const again = await post({ as: org.as.admin, query: `cohortId=${cohort.id}&dryRun=false`, file });
    assert.equal(again.statusCode, 201, again.body);
    assert.deepEqual(again.json(), { kind: 'learners', dryRun: false, created: 0, updated: 30, enrolled: 0, existing: 0, skippedLines: [], errors: [] });
    const afterSecond = await importCounts(t.db);
    assert.deepEqual({ ...afterSecond, audit: afterFirst.audit }, afterFirst, 'no duplicate person, role or enrolment');
    assert.equal(afterSecond.audit, afterFirst.audit + 1);
  });

  test('Excel "CSV UTF-8" file: BOM, semicolons, French headers, CRLF; an existing person is updated, keeps their roles and becomes a learner', async () => {
    const { cohort } = await makeCohort(t.db, org.organisation.id);
    const jean = await makePerson(t.db, org.organisation.id, ['trainer'], { email: 'jean.valjean@exemple.fr', givenName: 'J.', familyName: 'V.' });
    await t.db.updateTable('people').set({ phone: '09 99 99 99 99' }).where('id', '=', jean.id).execute();
    const file = fixture('learners-bom.csv');
    assert.deepEqual([...file.subarray(0, 3)], [0xef, 0xbb, 0xbf]);

    const preview = (await post({ as: org.as.admin, query: `cohortId=${cohort.id}`, file })).json();
    assert.equal(preview.delimiter, ';');
    assert.deepEqual(preview.columns, [
      { name: 'email', header: 'Courriel' },
      { name: 'first_name', header: 'Prénom' },
      { name: 'last_name', header: 'Nom' },
      { name: 'phone', header: 'Téléphone' },
    ]);
    assert.deepEqual(preview.rows.map((r: { line: number; status: string }) => [r.line, r.status]), [[2, 'create'], [3, 'update'], [4, 'create']]);
    assert.equal(preview.rows[0].values.first_name, 'Amélie');

    const commit = await post({ as: org.as.apiKey, query: `cohortId=${cohort.id}&dryRun=false`, file, type: 'text/csv; charset=utf-8' });
    assert.equal(commit.statusCode, 201, commit.body);
    assert.deepEqual([commit.json().created, commit.json().updated, commit.json().enrolled], [2, 1, 3]);
    const updated = await t.db.selectFrom('people').select(['given_name', 'family_name', 'phone']).where('id', '=', jean.id).executeTakeFirstOrThrow();
    assert.deepEqual(updated, { given_name: 'Jean', family_name: 'Valjean', phone: '09 99 99 99 99' }, 'names updated, an empty phone cell keeps the stored phone');
    const roles = await t.db.selectFrom('person_roles').select('role').where('person_id', '=', jean.id).orderBy('role').execute();
    assert.deepEqual(roles.map((r) => r.role), ['learner', 'trainer']);
  });

  test('Windows-1252 with semicolons: refused as not UTF-8 with a fix, read correctly with encoding=windows-1252 or a charset', async () => {
    const { cohort } = await makeCohort(t.db, org.organisation.id);
    const file = fixture('learners-windows-1252.csv');
    const refused = await post({ as: org.as.admin, query: `cohortId=${cohort.id}`, file });
    assert.equal(refused.statusCode, 422);
    assert.match(String(refused.headers['content-type']), /application\/problem\+json/);
    assert.equal(refused.json().code, 'encoding_invalid');
    assert.match(refused.json().detail, /not valid UTF-8 .*line 1.*CSV UTF-8.*encoding=windows-1252/);

    const preview = await post({ as: org.as.admin, query: `cohortId=${cohort.id}&encoding=windows-1252`, file });
    assert.equal(preview.statusCode, 200, preview.body);
    assert.equal(preview.json().delimiter, ';');
    assert.deepEqual(preview.json().rows.map((r: { values: { first_name: string } }) => r.values.first_name), ['François', 'Œdipe', 'Anaïs', 'Jérémie']);
    assert.equal(preview.json().rows[0].values.external_ref, 'A-1');

    const viaCharset = await post({ as: org.as.admin, query: `cohortId=${cohort.id}`, file, type: 'text/csv; charset=windows-1252' });
    assert.equal(viaCharset.statusCode, 200, viaCharset.body);
    assert.equal(viaCharset.json().rows[2].values.first_name, 'Anaïs');
  });

  test('a stray non-UTF-8 byte is reported with its line', async () => {
    const { cohort } = await makeCohort(t.db, org.organisation.id);
    const before = await importCounts(t.db);
    const res = await post({ as: org.as.admin, query: `cohortId=${cohort.id}&dryRun=false`, file: fixture('learners-invalid-utf8.csv') });
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().code, 'encoding_invalid');
    assert.deepEqual(res.json().errors, [{ path: 'lines.4', code: 'csv_not_utf8', message: 'is not valid UTF-8', line: 4 }]);
    assert.deepEqual(await importCounts(t.db), before);
  });

  test('a missing required column is named, on line 1', async () => {
    const { cohort } = await makeCohort(t.db, org.organisation.id);
    const res = await post({ as: org.as.admin, query: `cohortId=${cohort.id}`, file: fixture('learners-missing-column.csv') });
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().code, 'import_invalid');
    assert.equal(res.json().errors.length, 1);
    assert.equal(res.json().errors[0].line, 1);
    assert.equal(res.json().errors[0].column, 'last_name');
    assert.match(res.json().errors[0].message, /required column "last_name" is missing \(accepted headers: last_name, family_name, lastname, nom/);
  });

  test('duplicate emails in the file: both lines are reported; the commit imports nothing, or only the valid lines with allowPartial', async () => {
    const { cohort } = await makeCohort(t.db, org.organisation.id);
    const file = fixture('learners-duplicate-emails.csv');
    const preview = (await post({ as: org.as.admin, query: `cohortId=${cohort.id}`, file })).json();
    assert.deepEqual(preview.errors, [
      { line: 2, column: 'email', code: 'email_repeated_in_file', params: { lines: '4' }, message: 'appears more than once in the file (also on line(s) 4)' },
      { line: 4, column: 'email', code: 'email_repeated_in_file', params: { lines: '2' }, message: 'appears more than once in the file (also on line(s) 2)' },
    ]);
    assert.deepEqual(preview.summary, { total: 4, valid: 2, invalid: 2, create: 2, update: 0, exists: 0 });

    const before = await importCounts(t.db);
    const refused = await post({ as: org.as.admin, query: `cohortId=${cohort.id}&dryRun=false`, file });
    assert.equal(refused.statusCode, 422);
    assert.equal(refused.json().code, 'import_invalid');
    assert.match(refused.json().detail, /2 of 4 lines have errors, so nothing was imported/);
    assert.deepEqual(refused.json().errors.map((e: { path: string; line: number; column: string }) => [e.path, e.line, e.column]), [['lines.2.email', 2, 'email'], ['lines.4.email', 4, 'email']]);
    assert.deepEqual(await importCounts(t.db), before, 'nothing imported');

    const partial = await post({ as: org.as.admin, query: `cohortId=${cohort.id}&dryRun=false&allowPartial=true`, file });
    assert.equal(partial.statusCode, 201, partial.body);
    assert.equal(partial.json().created, 2);
    assert.deepEqual(partial.json().skippedLines, [2, 4]);
    const emails = await t.db.selectFrom('enrolments as e').innerJoin('people as p', 'p.id', 'e.person_id').where('e.cohort_id', '=', cohort.id).select('p.email').orderBy('p.email').execute();
    assert.deepEqual(emails.map((e) => e.email), ['louise.michel@exemple.fr', 'victor.hugo@exemple.fr']);
  });

  test('bad lines: every error has its line and column, and nothing is written', async () => {
    const { cohort } = await makeCohort(t.db, org.organisation.id);
    const file = fixture('learners-bad-lines.csv');
    const preview = (await post({ as: org.as.admin, query: `cohortId=${cohort.id}`, file })).json();
    assert.deepEqual(preview.errors.map((e: { line: number; column: string | null }) => [e.line, e.column]), [
      [3, 'email'],
      [4, 'first_name'],
      [5, 'last_name'],
      [6, 'email'],
      [7, 'phone'],
      [8, null],
    ]);
    assert.match(preview.errors[0].message, /"pas-un-email" is not a valid email address/);
    assert.match(preview.errors[2].message, /101 characters long; at most 100/);
    assert.match(preview.errors[5].message, /has 3 fields where the header has 4/);
    assert.deepEqual(preview.rows.map((r: { status: string }) => r.status), ['create', 'error', 'error', 'error', 'error', 'error', 'error', 'create']);

    const before = await importCounts(t.db);
    const refused = await post({ as: org.as.admin, query: `cohortId=${cohort.id}&dryRun=false`, file });
    assert.equal(refused.statusCode, 422);
    assert.equal(refused.json().errors.length, 6);
    assert.deepEqual(refused.json().summary, preview.summary);
    assert.deepEqual(await importCounts(t.db), before);
  });

  test('a quoting error makes the whole file unreadable, with its line', async () => {
    const { cohort } = await makeCohort(t.db, org.organisation.id);
    const res = await post({ as: org.as.admin, query: `cohortId=${cohort.id}`, file: fixture('learners-bad-quotes.csv') });
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().code, 'import_invalid');
    assert.match(res.json().detail, /cannot be read as CSV: Quote Not Closed/);
    assert.equal(typeof res.json().errors[0].line, 'number');
  });

  test('an 11 MB file gets 413 problem+json; an empty file and a header alone get 422', async () => {
    const { cohort } = await makeCohort(t.db, org.organisation.id);
    const header = 'email,first_name,last_name\n';
    const line = 'someone.with.a.long.address@exemple.fr,Prénom,Nom de famille\n';
    const big = Buffer.from(header + line.repeat(Math.ceil((11 * 1024 * 1024) / Buffer.byteLength(line))));
    assert.ok(big.length > 11 * 1024 * 1024);
    const res = await post({ as: org.as.admin, query: `cohortId=${cohort.id}`, file: big });
    assert.equal(res.statusCode, 413);
    assert.match(String(res.headers['content-type']), /application\/problem\+json/);
    assert.equal(res.json().code, 'payload_too_large');

    for (const [file, message] of [['', /empty/], [header, /no data lines/]] as const) {
      const r = await post({ as: org.as.admin, query: `cohortId=${cohort.id}`, file: Buffer.from(file) });
      assert.equal(r.statusCode, 422, r.body);
      assert.match(r.json().detail, message);
    }
    const tooMany = Buffer.from(header + Array.from({ length: 5001 }, (_, i) => `p${i}@exemple.fr,A,B\n`).join(''));
    const r = await post({ as: org.as.admin, query: `cohortId=${cohort.id}`, file: tooMany });
    assert.equal(r.statusCode, 422);
    assert.match(r.json().detail, /5001 data lines; at most 5000/);
  });

  test('access: staff only; read-only keys refused; another organisation\'s cohort is 404; a JSON body is 415', async () => {
    const { cohort } = await makeCohort(t.db, org.organisation.id);
    const file = fixture('learners-utf8.csv');
    for (const as of [org.as.trainer, org.as.learner]) {
      const res = await post({ as, query: `cohortId=${cohort.id}`, file });
      assert.equal(res.statusCode, 403, res.body);
    }
    assert.equal((await post({ as: org.as.readKey, query: `cohortId=${cohort.id}`, file })).json().code, 'scope_insufficient');
    assert.equal((await post({ as: {}, query: `cohortId=${cohort.id}`, file })).statusCode, 401);
    const foreign = await post({ as: other.as.admin, query: `cohortId=${cohort.id}&dryRun=false`, file });
    assert.equal(foreign.statusCode, 404);
    assert.equal(foreign.json().code, 'not_found');
    const unknown = await post({ as: org.as.admin, query: 'cohortId=4b3a4a37-8d0e-4a43-9d43-6fd7e2a2f7a1', file });
    assert.equal(unknown.statusCode, 404);
    const badQuery = await post({ as: org.as.admin, query: `cohortId=${cohort.id}&dryRun=maybe`, file });
    assert.equal(badQuery.statusCode, 400);
    assert.equal(badQuery.json().code, 'validation_failed');
    const json = await t.request({ method: 'POST', url: `/api/v1/imports/learners?cohortId=${cohort.id}`, as: org.as.admin, payload: { email: 'x@y.fr' } });
    assert.equal(json.statusCode, 415);
    assert.equal(json.json().code, 'unsupported_media_type');
    const octet = await post({ as: org.as.admin, query: `cohortId=${cohort.id}`, file, type: 'application/octet-stream' });
    assert.equal(octet.statusCode, 200);
  });
});
