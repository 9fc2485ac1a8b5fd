import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { type Tx, withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { type ColumnMapping, type ColumnSpec, type CsvEncoding, cell, decodeCsv, mapColumns, parseCsv } from './csv-file.ts';
import { type AnalysedRow, assertCommittable, buildPreview, flattenErrors, parserErrorRows, rowError } from './import-outcome.ts';
import type { ImportCommit, ImportPreview } from './imports.schemas.ts';
import { type PersonValues, addLearnerRole, enrolPeople, findPeopleByEmails, getCohort, insertPeople, updatePeople } from './imports.repository.ts';

export const MAX_IMPORT_LINES = 5000;

export const LEARNER_COLUMNS: readonly ColumnSpec[] = [
  { name: 'email', aliases: ['e-mail', 'courriel', 'mail', 'adresse email', 'adresse e-mail'], required: true },
  { name: 'first_name', aliases: ['given_name', 'firstname', 'prénom'], required: true },
  { name: 'last_name', aliases: ['family_name', 'lastname', 'nom', 'nom de famille'], required: true },
  { name: 'phone', aliases: ['téléphone', 'tel', 'tél', 'mobile', 'portable'], required: false },
  { name: 'external_ref', aliases: ['identifiant', 'external_id', 'référence', 'matricule'], required: false },
];

export interface ImportFileInput {
  cohortId: string;
  file: Buffer;
  dryRun: boolean;
  allowPartial: boolean;
  encoding: CsvEncoding;
  /** Business time (the app's clock): enrolment and update stamps, date ranges. */
  now: Date;
}

type LearnerRow = AnalysedRow<PersonValues & { existingId: string | null }>;

const EMAIL = /^[^\s@,;:<>()"[\]]+@[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+$/u;
const PHONE = /^\+?[0-9 ().-]{4,30}$/;

/**
 * Imports learners from a CSV file into a cohort. Each valid line creates the
 * person (status `create`) or, when the email is already in the organisation,
 * updates their names and phone (status `update`: roles are kept, the learner
 * role is added); everyone is enrolled in the cohort once. A dry run (the
 * default) only returns the preview. A commit writes everything and one audit
 * event in one transaction — or nothing when a line is wrong, unless
 * `allowPartial`. Sending the same file twice creates no duplicates: the second
 * time every line is an `update` and nobody is enrolled twice.
 */
export async function importLearners(db: Db, ctx: Ctx, input: ImportFileInput): Promise<ImportPreview | ImportCommit> {
  assertOrgWide(ctx.actor);
  const table = parseCsv(decodeCsv(input.file, input.encoding), { maxRecords: MAX_IMPORT_LINES });
  const mapping = mapColumns(table.header, LEARNER_COLUMNS);
  const organisationId = ctx.actor.organisationId;
  return withTenant(db, organisationId, async (trx) => {
    const cohort = await getCohort(trx, input.cohortId);
    if (!cohort) throw notFound('Cohort');
    if (cohort.archived_at) throw AppError.because('conflict', 'cohort_archived_import', { cohort: cohort.name });
    const rows = [...parserErrorRows<LearnerRow['data']>(table), ...(await analyseLearners(trx, table.records.map((r) => readLearner(r, mapping))))];
    const preview = buildPreview('learners', table, mapping, rows);
    if (input.dryRun) return preview;
    assertCommittable(preview, input.allowPartial);

    const valid = rows.filter((r) => r.data).map((r) => r.data!);
    const toCreate = valid.filter((p) => !p.existingId);
    const toUpdate = valid.filter((p) => p.existingId).map((p) => ({ ...p, id: p.existingId! }));
    const created = await insertPeople(trx, organisationId, toCreate);
    await updatePeople(trx, toUpdate, input.now);
    const personIds = [...created.map((p) => p.id), ...toUpdate.map((p) => p.id)];
    await addLearnerRole(trx, organisationId, personIds);
    const enrolled = await enrolPeople(trx, organisationId, cohort.id, personIds, input.now);
    await recordAuditEvent(trx, ctx, {
      type: 'import.completed',
      subjectType: 'cohort',
      subjectId: cohort.id,
      payload: { kind: 'learners', rows: preview.summary.total, created: created.length, updated: toUpdate.length },
    });
    const invalid = rows.filter((r) => r.status === 'error');
    return {
      kind: 'learners',
      dryRun: false,
      created: created.length,
      updated: toUpdate.length,
      enrolled,
      existing: 0,
      skippedLines: invalid.map((r) => r.line).sort((a, b) => a - b),
      errors: flattenErrors(invalid.sort((a, b) => a.line - b.line)),
    } satisfies ImportCommit;
  });
}

function readLearner(record: { line: number; fields: string[] }, mapping: ColumnMapping): LearnerRow {
  const values: Record<string, string> = {};
  for (const { name } of mapping.columns) values[name] = cell(record, mapping, name);
  const row: LearnerRow = { line: record.line, values, status: 'create', errors: [], data: null };
  const email = (values.email ?? '').toLowerCase();
  const givenName = values.first_name ?? '';
  const familyName = values.last_name ?? '';
  const phone = values.phone ?? '';
  const externalRef = values.external_ref ?? '';
  if (!email) rowError(row, 'email', 'value_empty');
  else if (email.length > 254) rowError(row, 'email', 'text_too_long', { length: email.length, max: 254 });
  else if (!EMAIL.test(email)) rowError(row, 'email', 'email_invalid', { value: values.email ?? '' });
  for (const [column, value] of [['first_name', givenName], ['last_name', familyName]] as const) {
    if (!value) rowError(row, column, 'value_empty');
    else if (value.length > 100) rowError(row, column, 'text_too_long', { length: value.length, max: 100 });
  }
  if (phone && !PHONE.test(phone)) rowError(row, 'phone', 'phone_invalid', { value: phone });
  if (externalRef.length > 100) rowError(row, 'external_ref', 'text_too_long', { length: externalRef.length, max: 100 });
  if (row.status !== 'error') row.data = { email, givenName, familyName, phone: phone || null, externalRef: externalRef || null, existingId: null };
  return row;
}

/** Checks that need the whole file or the database: duplicate emails, people already in the organisation. */
async function analyseLearners(trx: Tx, rows: LearnerRow[]): Promise<LearnerRow[]> {
  const linesByEmail = new Map<string, number[]>();
  for (const row of rows) {
    const email = row.values.email?.toLowerCase();
    if (email) linesByEmail.set(email, [...(linesByEmail.get(email) ?? []), row.line]);
  }
  for (const row of rows) {
    const lines = linesByEmail.get(row.values.email?.toLowerCase() ?? '') ?? [];
    if (lines.length > 1) {
      const others = lines.filter((l) => l !== row.line);
      rowError(row, 'email', 'email_repeated_in_file', { lines: others.join(', ') });
    }
  }
  const emails = rows.filter((r) => r.data).map((r) => r.data!.email);
  const existing = new Map((await findPeopleByEmails(trx, emails)).map((p) => [p.email, p]));
  for (const row of rows) {
    if (!row.data) continue;
    const person = existing.get(row.data.email);
    if (!person) continue;
    if (person.archived_at) {
      rowError(row, 'email', 'email_of_archived', { name: `${person.given_name} ${person.family_name}` });
      continue;
    }
    row.data.existingId = person.id;
    row.status = 'update';
  }
  return rows;
}
