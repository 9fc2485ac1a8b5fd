import type { Selectable } from 'kysely';
import type { Tx } from '../../platform/db/tenant.ts';
import type { AbsenceJustificationsTable } from './absence.table.ts';

/** A justification without its file bytes (lists never load them). */
export type JustificationRow = Omit<Selectable<AbsenceJustificationsTable>, 'file_data'> & { person_given_name: string; person_family_name: string };
export interface JustificationSessionRow {
  justification_id: string;
  session_id: string;
  date: string;
  half_day: string;
  starts_at: Date;
  ends_at: Date;
  location: string | null;
  cohort_id: string;
  program_title: string;
  module_title: string | null;
}

const COLUMNS = [
  'j.organisation_id', 'j.id', 'j.person_id', 'j.reason', 'j.status', 'j.file_type', 'j.file_name', 'j.file_size', 'j.file_sha256',
  'j.submitted_by', 'j.created_at', 'j.reviewed_by', 'j.reviewed_at', 'j.review_note',
] as const;

function base(trx: Tx) {
  return trx
    .selectFrom('absence_justifications as j')
    .innerJoin('people as p', (join) => join.onRef('p.organisation_id', '=', 'j.organisation_id').onRef('p.id', '=', 'j.person_id'))
    .select([...COLUMNS, 'p.given_name as person_given_name', 'p.family_name as person_family_name']);
}

export function getJustificationById(trx: Tx, id: string, opts: { forUpdate?: boolean } = {}): Promise<JustificationRow | undefined> {
  let q = base(trx).where('j.id', '=', id);
  if (opts.forUpdate) q = q.forUpdate('j');
  return q.executeTakeFirst() as Promise<JustificationRow | undefined>;
}

/** Oldest first for pending (a review queue), newest first otherwise; keyset on (created_at, id). */
export function findJustifications(
  trx: Tx,
  opts: { limit: number; after: readonly [string, string] | null; status?: string; personId?: string },
): Promise<JustificationRow[]> {
  let q = base(trx);
  if (opts.status) q = q.where('j.status', '=', opts.status as JustificationRow['status']);
  if (opts.personId) q = q.where('j.person_id', '=', opts.personId);
  if (opts.after) {
    const [createdAt, id] = opts.after;
    const at = new Date(createdAt);
    q = q.where((eb) => eb.or([eb('j.created_at', '>', at), eb.and([eb('j.created_at', '=', at), eb('j.id', '>', id)])]));
  }
  return q.orderBy('j.created_at').orderBy('j.id').limit(opts.limit + 1).execute() as Promise<JustificationRow[]>;
}

export function findJustificationSessions(trx: Tx, justificationIds: string[]): Promise<JustificationSessionRow[]> {
  if (justificationIds.length === 0) return Promise.resolve([]);
  return trx
    .selectFrom('absence_justification_sessions as js')
    .innerJoin('sessions as s', (join) => join.onRef('s.organisation_id', '=', 'js.organisation_id').onRef('s.id', '=', 'js.session_id'))
    .innerJoin('cohorts as c', (join) => join.onRef('c.organisation_id', '=', 's.organisation_id').onRef('c.id', '=', 's.cohort_id'))
    .innerJoin('programs as pr', (join) => join.onRef('pr.organisation_id', '=', 'c.organisation_id').onRef('pr.id', '=', 'c.program_id'))
    .leftJoin('modules as m', (join) => join.onRef('m.organisation_id', '=', 's.organisation_id').onRef('m.id', '=', 's.module_id'))
    .select(['js.justification_id', 'js.session_id', 's.date', 's.half_day', 's.starts_at', 's.ends_at', 's.location', 's.cohort_id', 'pr.title as program_title', 'm.title as module_title'])
    .where('js.justification_id', 'in', justificationIds)
    .orderBy('s.starts_at')
    .execute() as Promise<JustificationSessionRow[]>;
}
