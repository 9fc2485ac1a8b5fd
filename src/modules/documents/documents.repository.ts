import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.ts';
import type { Tx } from '../../platform/db/tenant.ts';
import type { AttendanceStatus, SigningMethod } from '../attendance/attendance.table.ts';
import type { IssuedDocumentKind } from './documents.table.ts';

/** SQL only: what the documents read from attendance, catalogue and people, and what they write. */

export async function getOrganisationInfo(trx: Tx, organisationId: string) {
  return trx.selectFrom('organisations').select(['id', 'name', 'locale', 'timezone']).where('id', '=', organisationId).executeTakeFirstOrThrow();
}

export interface SessionContextRow {
  id: string;
  cohort_id: string;
  date: string;
  half_day: 'am' | 'pm';
  starts_at: Date;
  ends_at: Date;
  location: string | null;
  remote_url: string | null;
  status: 'planned' | 'cancelled';
  cohort_name: string;
  program_id: string;
  program_title: string;
  program_code: string | null;
  funder: string | null;
  funding_reference: string | null;
  module_title: string | null;
}

function sessionContextQuery(trx: Tx) {
  return trx
    .selectFrom('sessions as s')
    .innerJoin('cohorts as c', (j) => j.onRef('c.organisation_id', '=', 's.organisation_id').onRef('c.id', '=', 's.cohort_id'))
    .innerJoin('programs as p', (j) => j.onRef('p.organisation_id', '=', 'c.organisation_id').onRef('p.id', '=', 'c.program_id'))
    .leftJoin('modules as m', (j) => j.onRef('m.organisation_id', '=', 's.organisation_id').onRef('m.id', '=', 's.module_id'))
    .select([
      's.id',
      's.cohort_id',
      's.date',
      's.half_day',
      's.starts_at',
      's.ends_at',
      's.location',
      's.remote_url',
      's.status',
      'c.name as cohort_name',
      'p.id as program_id',
      'p.title as program_title',
      'p.code as program_code',
      'p.funder',
      'p.funding_reference',
      'm.title as module_title',
    ]);
}

export async function getSessionContext(trx: Tx, sessionId: string): Promise<SessionContextRow | undefined> {
  return sessionContextQuery(trx).where('s.id', '=', sessionId).executeTakeFirst();
}

/** The cohort's sessions between two dates (inclusive), in time order, cancelled ones included. */
export async function findCohortSessions(trx: Tx, cohortId: string, from: string, to: string): Promise<SessionContextRow[]> {
  return sessionContextQuery(trx).where('s.cohort_id', '=', cohortId).where('s.date', '>=', from).where('s.date', '<=', to).orderBy('s.starts_at').orderBy('s.id').execute();
}

export async function getCohortContext(trx: Tx, cohortId: string) {
  return trx
    .selectFrom('cohorts as c')
    .innerJoin('programs as p', (j) => j.onRef('p.organisation_id', '=', 'c.organisation_id').onRef('p.id', '=', 'c.program_id'))
    .select(['c.id', 'c.name', 'c.program_id', 'p.title as program_title', 'p.code as program_code', 'p.funder', 'p.funding_reference'])
    .where('c.id', '=', cohortId)
    .executeTakeFirst();
}

export async function findSheets(trx: Tx, sessionIds: string[]) {
  if (sessionIds.length === 0) return [];
  return trx
    .selectFrom('attendance_sheets')
    .select(['session_id', 'status', 'version', 'verification_code', 'locked_at', 'locked_by'])
    .where('session_id', 'in', sessionIds)
    .execute();
}

export interface SheetRecordRow {
  session_id: string;
  person_id: string;
  given_name: string;
  family_name: string;
  role: 'learner' | 'trainer';
  status: AttendanceStatus;
  late_minutes: number | null;
  left_at: Date | null;
  signed_at: Date | null;
  method: SigningMethod | null;
  reason: string | null;
  marked_by: string | null;
  signature_id: string | null;
  png: Buffer | null;
  png_sha256: string | null;
  strokes_sha256: string | null;
  signature_created_at: Date | null;
  review: 'pending' | 'confirmed' | 'rejected' | null;
  reviewed_by: string | null;
  reviewed_at: Date | null;
}

export async function findSheetRecords(trx: Tx, sessionIds: string[]): Promise<SheetRecordRow[]> {
  if (sessionIds.length === 0) return [];
  return trx
    .selectFrom('attendance_records as r')
    .innerJoin('people as pe', (j) => j.onRef('pe.organisation_id', '=', 'r.organisation_id').onRef('pe.id', '=', 'r.person_id'))
    .leftJoin('signatures as sg', (j) => j.onRef('sg.organisation_id', '=', 'r.organisation_id').onRef('sg.id', '=', 'r.signature_id'))
    .select([
      'r.session_id',
      'r.person_id',
      'pe.given_name',
      'pe.family_name',
      'r.role',
      'r.status',
      'r.late_minutes',
      'r.left_at',
      'r.signed_at',
      'r.method',
      'r.reason',
      'r.marked_by',
      'r.signature_id',
      'sg.png',
      'sg.png_sha256',
      'sg.strokes_sha256',
      'sg.created_at as signature_created_at',
      'r.review',
      'r.reviewed_by',
      'r.reviewed_at',
    ])
    .where('r.session_id', 'in', sessionIds)
    .orderBy('pe.family_name')
    .orderBy('pe.given_name')
    .orderBy('r.person_id')
    .execute() as Promise<SheetRecordRow[]>;
}

/** The amendments of these sessions' sheets after locking, oldest first, with who made them (a person or an API key). */
export async function findSheetAmendments(trx: Tx, sessionIds: string[]) {
  if (sessionIds.length === 0) return [];
  return trx
    .selectFrom('attendance_amendments as a')
    .leftJoin('people as p', (j) => j.onRef('p.organisation_id', '=', 'a.organisation_id').onRef('p.id', '=', 'a.amended_by'))
    .leftJoin('api_keys as k', (j) => j.onRef('k.organisation_id', '=', 'a.organisation_id').onRef('k.id', '=', 'a.amended_by_api_key'))
    .select(['a.session_id', 'a.version', 'a.amended_by', 'a.amended_by_api_key', 'a.reason', 'a.changes', 'a.created_at', 'p.given_name', 'p.family_name', 'k.name as key_name'])
    .where('a.session_id', 'in', sessionIds)
    .orderBy('a.session_id')
    .orderBy('a.version')
    .execute();
}

export async function findPeopleNames(trx: Tx, personIds: string[]) {
  if (personIds.length === 0) return [];
  return trx.selectFrom('people').select(['id', 'given_name', 'family_name']).where('id', 'in', personIds).execute();
}

/** Active learners of a cohort (for sessions whose sheet holds no record yet). */
export async function findCohortLearners(trx: Tx, cohortId: string) {
  return trx
    .selectFrom('enrolments as e')
    .innerJoin('people as pe', (j) => j.onRef('pe.organisation_id', '=', 'e.organisation_id').onRef('pe.id', '=', 'e.person_id'))
    .select(['pe.id', 'pe.given_name', 'pe.family_name', 'e.status'])
    .where('e.cohort_id', '=', cohortId)
    .orderBy('pe.family_name')
    .orderBy('pe.given_name')
    .orderBy('pe.id')
    .execute();
}

export async function findEvidenceForSessions(trx: Tx, sessionIds: string[]) {
  if (sessionIds.length === 0) return [];
  return trx
    .selectFrom('evidence_entries')
    .select(['id', 'type', 'recorded_at', 'payload', 'content_hash', 'seq', 'chain_hash', 'batch_number'])
    .where(sql<string>`payload->>'sessionId'`, 'in', sessionIds)
    .orderBy('recorded_at')
    .orderBy('id')
    .execute();
}

export async function getLatestEvidenceBatch(trx: Tx) {
  return trx.selectFrom('evidence_batches').select(['organisation_id', 'batch_number', 'batch_hash', 'sealed_at', 'last_seq', 'merkle_root']).orderBy('batch_number', 'desc').limit(1).executeTakeFirst();
}

export async function insertIssuedDocument(
  trx: Tx,
  row: {
    organisation_id: string;
    kind: IssuedDocumentKind;
    subject_id: string;
    verification_code: string;
    sha256: string;
    sheet_version: number | null;
    attests: Record<string, unknown>;
    seal_fingerprint: string;
    issued_at: Date;
    issued_by: string | null;
  },
) {
  return trx
    .insertInto('issued_documents')
    .values({ ...row, attests: JSON.stringify(row.attests) })
    .returning(['id', 'issued_at'])
    .executeTakeFirstOrThrow();
}

/** Cross-tenant by design (the code is the capability): run with withSystem. */
export async function findIssuedByCode(db: Tx | Db, code: string) {
  return db
    .selectFrom('issued_documents as d')
    .innerJoin('organisations as o', 'o.id', 'd.organisation_id')
    .select(['d.organisation_id', 'd.id', 'd.kind', 'd.subject_id', 'd.verification_code', 'd.sha256', 'd.sheet_version', 'd.attests', 'd.seal_fingerprint', 'd.issued_at', 'o.name as organisation_name'])
    .where('d.verification_code', '=', code)
    .orderBy('d.issued_at', 'desc')
    .orderBy('d.id', 'desc')
    .execute();
}

export async function findIssuedBySha(db: Tx | Db, sha256: string) {
  return db
    .selectFrom('issued_documents as d')
    .innerJoin('organisations as o', 'o.id', 'd.organisation_id')
    .select(['d.organisation_id', 'd.id', 'd.kind', 'd.subject_id', 'd.verification_code', 'd.sha256', 'd.sheet_version', 'd.attests', 'd.seal_fingerprint', 'd.issued_at', 'o.name as organisation_name'])
    .where('d.sha256', '=', sha256)
    .executeTakeFirst();
}

/** The current state of a session sheet, whoever's tenant it is (withSystem). */
export async function getSheetStateSystem(db: Tx | Db, organisationId: string, sessionId: string) {
  return db
    .selectFrom('attendance_sheets')
    .select(['status', 'version', 'locked_at'])
    .where('organisation_id', '=', organisationId)
    .where('session_id', '=', sessionId)
    .executeTakeFirst();
}

/** The learner's sessions in the program (every cohort of it they are enrolled in), with their status on each sheet. */
export async function findLearnerProgramSessions(trx: Tx, personId: string, programId: string) {
  return trx
    .selectFrom('enrolments as e')
    .innerJoin('cohorts as c', (j) => j.onRef('c.organisation_id', '=', 'e.organisation_id').onRef('c.id', '=', 'e.cohort_id'))
    .innerJoin('sessions as s', (j) => j.onRef('s.organisation_id', '=', 'e.organisation_id').onRef('s.cohort_id', '=', 'e.cohort_id'))
    .leftJoin('attendance_records as r', (j) => j.onRef('r.organisation_id', '=', 's.organisation_id').onRef('r.session_id', '=', 's.id').onRef('r.person_id', '=', 'e.person_id'))
    .select(['s.id', 's.date', 's.starts_at', 's.ends_at', 'r.status', 'r.late_minutes', 'r.left_at', 'c.name as cohort_name'])
    .where('e.person_id', '=', personId)
    .where('c.program_id', '=', programId)
    .where('s.status', '=', 'planned')
    .orderBy('s.starts_at')
    .execute();
}

export async function getLearnerEnrolmentInProgram(trx: Tx, personId: string, programId: string) {
  return trx
    .selectFrom('enrolments as e')
    .innerJoin('cohorts as c', (j) => j.onRef('c.organisation_id', '=', 'e.organisation_id').onRef('c.id', '=', 'e.cohort_id'))
    .innerJoin('people as pe', (j) => j.onRef('pe.organisation_id', '=', 'e.organisation_id').onRef('pe.id', '=', 'e.person_id'))
    .innerJoin('programs as p', (j) => j.onRef('p.organisation_id', '=', 'c.organisation_id').onRef('p.id', '=', 'c.program_id'))
    .select(['pe.id as person_id', 'pe.given_name', 'pe.family_name', 'p.id as program_id', 'p.title as program_title', 'p.code as program_code', 'p.funder', 'p.funding_reference', 'p.planned_hours', 'c.name as cohort_name'])
    .where('e.person_id', '=', personId)
    .where('c.program_id', '=', programId)
    .orderBy('e.enrolled_at')
    .executeTakeFirst();
}
