import { readFileSync } from 'node:fs';
import type { Db } from '../src/platform/db/database.ts';

/** The CSV files of test/fixtures/imports, and the catalogue rows an import needs. */
export function fixture(name: string): Buffer {
  return readFileSync(new URL(`./fixtures/imports/${name}`, import.meta.url));
}

/** A program with modules and a cohort, written straight to the database (as factories do). */
export async function makeCohort(db: Db, organisationId: string, opts: { name?: string; modules?: string[] } = {}) {
  const program = await db
    .insertInto('programs')
    .values({ organisation_id: organisationId, title: `Développeur web ${Math.random().toString(36).slice(2, 8)}` })
    .returningAll()
    .executeTakeFirstOrThrow();
  const modules = [];
  for (const [position, title] of (opts.modules ?? ['Accueil et positionnement', 'HTML et CSS']).entries()) {
    modules.push(await db.insertInto('modules').values({ organisation_id: organisationId, program_id: program.id, title, position }).returningAll().executeTakeFirstOrThrow());
  }
  const cohort = await db
    .insertInto('cohorts')
    .values({ organisation_id: organisationId, program_id: program.id, name: opts.name ?? `Promo ${Math.random().toString(36).slice(2, 8)}` })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { program, modules, cohort };
}

/** Row counts of the tables an import writes, to prove that a refused import changed nothing. */
export async function importCounts(db: Db) {
  const count = async (table: 'people' | 'person_roles' | 'enrolments' | 'sessions' | 'session_trainers' | 'audit_events') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return {
    people: await count('people'),
    roles: await count('person_roles'),
    enrolments: await count('enrolments'),
    sessions: await count('sessions'),
    sessionTrainers: await count('session_trainers'),
    audit: await count('audit_events'),
  };
}
