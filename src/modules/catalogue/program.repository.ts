import type { Selectable } from 'kysely';
import type { Tx } from '../../platform/db/tenant.ts';
import type { ProgramsTable } from './catalogue.table.ts';

export type ProgramRow = Selectable<ProgramsTable>;

export function getProgramById(trx: Tx, id: string): Promise<ProgramRow | undefined> {
  return trx.selectFrom('programs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Programs ordered by title then id, after the keyset `after`; `limit + 1` rows to detect the next page. */
export function findPrograms(
  trx: Tx,
  opts: { limit: number; after: readonly [string, string] | null; includeArchived: boolean; query?: string; visibleTo?: string },
): Promise<ProgramRow[]> {
  let q = trx.selectFrom('programs').selectAll();
  if (!opts.includeArchived) q = q.where('archived_at', 'is', null);
  if (opts.query) q = q.where((eb) => eb.or([eb('title', 'ilike', `%${escapeLike(opts.query!)}%`), eb('code', 'ilike', `%${escapeLike(opts.query!)}%`)]));
  if (opts.visibleTo) {
    const personId = opts.visibleTo;
    q = q.where((eb) =>
      eb.exists(eb.selectFrom('cohorts as c').select('c.id').whereRef('c.program_id', '=', 'programs.id').where((eb2) => eb2.or([
        eb2.exists(eb2.selectFrom('cohort_trainers as ct').select('ct.cohort_id').whereRef('ct.cohort_id', '=', 'c.id').where('ct.person_id', '=', personId)),
        eb2.exists(eb2.selectFrom('enrolments as e').select('e.id').whereRef('e.cohort_id', '=', 'c.id').where('e.person_id', '=', personId)),
      ]))),
    );
  }
  if (opts.after) {
    const [title, id] = opts.after;
    q = q.where((eb) => eb.or([eb('title', '>', title), eb.and([eb('title', '=', title), eb('id', '>', id)])]));
  }
  return q.orderBy('title').orderBy('id').limit(opts.limit + 1).execute();
}

export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
