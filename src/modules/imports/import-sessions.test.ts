import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeOrganisationWithStaff, makePerson } from '../../../test/factories.ts';
import { fixture, importCounts, makeCohort } from '../../../test/import-fixtures.ts';
import { parseDate, parseTime } from './import-sessions.ts';

type Org = Awaited<ReturnType<typeof makeOrganisationWithStaff>>;

describe('CSV import of sessions', () => {
  let t: TestContext;
  let org: Org;
  let other: Org;
  let trainerIds: string[];
  before(async () => {
    // The clock is Monday 2 March 2026, 08:00 in Paris.
    t = await createTestContext();
    org = await makeOrganisationWithStaff(t.db);
    other = await makeOrganisationWithStaff(t.db);
    const a = await makePerson(t.db, org.organisation.id, ['trainer'], { email: 'formatrice@exemple.fr' });
    const b = await makePerson(t.db, org.organisation.id, ['trainer', 'manager'], { email: 'formateur2@exemple.fr' });
    trainerIds = [a.id, b.id];
    // Same email in another organisation: never a trainer of this one.
    await makePerson(t.db, other.organisation.id, ['trainer'], { email: 'inconnu@exemple.fr' });
  });
  after(() => t.close());

  const post = (o: { as: Record<string, string>; query: string; file: Buffer }) =>
    t.request({ method: 'POST', url: `/api/v1/imports/sessions?${o.query}`, as: o.as, headers: { 'content-type': 'text/csv' }, payload: o.file });

  test('date and time formats are read as people write them', () => {
    assert.equal(parseDate('09/03/2026'), '2026-03-09');
    assert.equal(parseDate('2026-3-9'), '2026-03-09');
    assert.equal(parseDate('31/02/2026'), null);
    assert.equal(parseDate('2026/03/09'), null);
    assert.equal(parseTime('9h'), '09:00');
    assert.equal(parseTime('9h30'), '09:30');
    assert.equal(parseTime('13H05'), '13:05');
    assert.equal(parseTime('09:00:00'), '09:00');
    assert.equal(parseTime('24:00'), null);
    assert.equal(parseTime('9:'), null);
  });

  test('a valid file: preview, commit in the organisation time zone with modules and trainers, and the same file again creates nothing', async () => {
    const { cohort, modules } = await makeCohort(t.db, org.organisation.id);
    const file = fixture('sessions-valid.csv');
    const before = await importCounts(t.db);
    const preview = await post({ as: org.as.admin, query: `cohortId=${cohort.id}`, file });
    assert.equal(preview.statusCode, 200, preview.body);
    const p = preview.json();
    assert.equal(p.delimiter, ';');
    assert.deepEqual(p.columns.map((c: { name: string }) => c.name), ['date', 'start_time', 'end_time', 'module', 'location', 'capacity', 'trainer_email']);
    assert.deepEqual(p.errors, []);
    assert.deepEqual(p.summary, { total: 5, valid: 5, invalid: 0, create: 5, update: 0, exists: 0 });
    assert.deepEqual(p.rows.map((r: { values: { half_day: string } }) => r.values.half_day), ['am', 'pm', 'am', 'pm', 'am']);
    assert.deepEqual(await importCounts(t.db), before);

    const commit = await post({ as: org.as.apiKey, query: `cohortId=${cohort.id}&dryRun=false`, file });
    assert.equal(commit.statusCode, 201, commit.body);
    assert.deepEqual(commit.json(), { kind: 'sessions', dryRun: false, created: 5, updated: 0, enrolled: 0, existing: 0, skippedLines: [], errors: [] });
    const sessions = await t.db.selectFrom('sessions').selectAll().where('cohort_id', '=', cohort.id).orderBy('starts_at').execute();
    assert.deepEqual(
      sessions.map((s) => [s.date, s.half_day, s.starts_at.toISOString(), s.ends_at.toISOString(), s.location, s.capacity]),
      [
        ['2026-03-09', 'am', '2026-03-09T08:00:00.000Z', '2026-03-09T11:30:00.000Z', 'Salle Lovelace', 12],
        ['2026-03-09', 'pm', '2026-03-09T12:30:00.000Z', '2026-03-09T16:00:00.000Z', 'Salle Lovelace', 12],
        ['2026-03-10', 'am', '2026-03-10T08:00:00.000Z', '2026-03-10T11:30:00.000Z', null, null],
        ['2026-03-10', 'pm', '2026-03-10T13:00:00.000Z', '2026-03-10T16:30:00.000Z', 'Salle Turing', null],
        ['2026-03-11', 'am', '2026-03-11T08:00:00.000Z', '2026-03-11T11:00:00.000Z', 'En ligne', null],
      ],
    );
    assert.deepEqual(sessions.map((s) => s.module_id), [modules[0]!.id, modules[0]!.id, modules[1]!.id, modules[1]!.id, null]);
    const links = await t.db.selectFrom('session_trainers').select(['session_id', 'person_id']).where('session_id', '=', sessions[3]!.id).execute();
    assert.deepEqual(links.map((l) => l.person_id).sort(), [...trainerIds].sort());
    const audit = await t.db.selectFrom('audit_events').select(['type', 'payload']).where('subject_id', '=', cohort.id).execute();
    assert.deepEqual(audit, [{ type: 'import.completed', payload: { kind: 'sessions', rows: 5, created: 5, updated: 0 } }]);

    const afterFirst = await importCounts(t.db);
    const again = await post({ as: org.as.admin, query: `cohortId=${cohort.id}&dryRun=false`, file });
    assert.equal(again.statusCode, 201, again.body);
    assert.equal(again.json().created, 0);
    assert.equal(again.json().existing, 5);
    assert.equal((await importCounts(t.db)).sessions, afterFirst.sessions);
  });

  test('bad lines: every error has its line and column; the commit writes nothing', async () => {
    const { cohort } = await makeCohort(t.db, org.organisation.id);
    const file = fixture('sessions-bad-lines.csv');
    const preview = await post({ as: org.as.admin, query: `cohortId=${cohort.id}`, file });
    assert.equal(preview.statusCode, 200, preview.body);
    const errors = preview.json().errors as Array<{ line: number; column: string; message: string }>;
    assert.deepEqual(errors.map((e) => [e.line, e.column]), [
      [2, 'date'],
      [3, 'date'],
      [4, 'date'],
      [5, 'end_time'],
      [6, 'start_time'],
      [7, 'date'],
      [8, 'start_time'],
      [8, 'end_time'],
      [9, 'module'],
      [10, 'remote_url'],
      [10, 'capacity'],
      [10, 'trainer_email'],
      [11, 'start_time'],
      [12, 'start_time'],
    ]);
    const byLine = (line: number) => errors.filter((e) => e.line === line).map((e) => e.message).join(' | ');
    assert.match(byLine(2), /1999-12-15 is before the year 2000/);
    assert.match(byLine(3), /2035-01-10 is more than 5 years ahead \(latest 2031-03-02\)/);
    assert.match(byLine(4), /2026-05-01 is a public holiday \(Fête du Travail\); pass allowHolidays=true/);
    assert.match(byLine(5), /13:00 is not after the start time 14:00/);
    assert.match(byLine(6), /02:30 does not exist on that day in Europe\/Paris/);
    assert.match(byLine(7), /"31\/02\/2026" is not a date/);
    assert.match(byLine(9), /"Cuisine" is not a module of this cohort's program \(modules: "Accueil et positionnement", "HTML et CSS"\)/);
    assert.match(byLine(10), /"inconnu@exemple.fr" is not a trainer of the organisation/);
    assert.match(byLine(11), /another line \(12\) is also on the morning of 2026-03-17/);
    assert.deepEqual(preview.json().summary, { total: 12, valid: 1, invalid: 11, create: 1, update: 0, exists: 0 });

    const before = await importCounts(t.db);
    const refused = await post({ as: org.as.admin, query: `cohortId=${cohort.id}&dryRun=false`, file });
    assert.equal(refused.statusCode, 422);
    assert.equal(refused.json().code, 'import_invalid');
    assert.deepEqual(await importCounts(t.db), before, 'nothing written');

    const holidays = await post({ as: org.as.admin, query: `cohortId=${cohort.id}&allowHolidays=true&allowPartial=true&dryRun=false`, file });
    assert.equal(holidays.statusCode, 201, holidays.body);
    assert.equal(holidays.json().created, 2, 'the holiday line and the valid line');
    assert.deepEqual(holidays.json().skippedLines, [2, 3, 5, 6, 7, 8, 9, 10, 11, 12]);
    const dates = await t.db.selectFrom('sessions').select('date').where('cohort_id', '=', cohort.id).orderBy('date').execute();
    assert.deepEqual(dates.map((d) => d.date), ['2026-03-18', '2026-05-01']);
  });

  test('a half-day already taken by a different session of the cohort is an error; another cohort is not concerned', async () => {
    const { cohort } = await makeCohort(t.db, org.organisation.id);
    await t.db
      .insertInto('sessions')
      .values({ organisation_id: org.organisation.id, cohort_id: cohort.id, date: '2026-03-09', half_day: 'am', starts_at: '2026-03-09T07:30:00Z', ends_at: '2026-03-09T11:00:00Z' })
      .execute();
    const preview = (await post({ as: org.as.admin, query: `cohortId=${cohort.id}`, file: fixture('sessions-valid.csv') })).json();
    assert.deepEqual(preview.errors, [{ line: 2, column: 'start_time', code: 'half_day_other_times', params: { halfDay: 'morning', date: '2026-03-09' }, message: 'the cohort already has a session on the morning of 2026-03-09 at other times' }]);

    const foreign = await post({ as: other.as.admin, query: `cohortId=${cohort.id}`, file: fixture('sessions-valid.csv') });
    assert.equal(foreign.statusCode, 404);
    assert.equal((await post({ as: org.as.trainer, query: `cohortId=${cohort.id}`, file: fixture('sessions-valid.csv') })).statusCode, 403);
  });
});
