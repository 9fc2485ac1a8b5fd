import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { type Tx, withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import type { HalfDay } from '../catalogue/catalogue.table.ts';
import { frenchHolidayName } from '../catalogue/french-holidays.ts';
import { localParts, SessionTimeError, sessionBounds } from '../catalogue/session-time.ts';
import { type ColumnMapping, type ColumnSpec, type CsvRecord, cell, decodeCsv, mapColumns, parseCsv } from './csv-file.ts';
import { type ImportFileInput, MAX_IMPORT_LINES } from './import-learners.ts';
import { type AnalysedRow, assertCommittable, buildPreview, flattenErrors, parserErrorRows, rowError } from './import-outcome.ts';
import type { ImportCommit, ImportPreview } from './imports.schemas.ts';
import { type SessionValues, findCohortSessionsOnDates, findProgramModules, findTrainersByEmails, getCohort, getOrganisationTimezone, insertSessions } from './imports.repository.ts';

export const SESSION_COLUMNS: readonly ColumnSpec[] = [
  { name: 'date', aliases: ['jour'], required: true },
  { name: 'start_time', aliases: ['heure_debut', 'heure début', 'début', 'start'], required: true },
  { name: 'end_time', aliases: ['heure_fin', 'fin', 'end'], required: true },
  { name: 'module', aliases: ['module_title', 'titre module'], required: false },
  { name: 'location', aliases: ['lieu', 'salle'], required: false },
  { name: 'remote_url', aliases: ['lien', 'url', 'lien visio', 'visio'], required: false },
  { name: 'capacity', aliases: ['capacité', 'places'], required: false },
  { name: 'trainer_email', aliases: ['trainer', 'formateur', 'email formateur', 'courriel formateur', 'trainer_emails'], required: false },
];

export interface ImportSessionsInput extends ImportFileInput {
  /** A session on a French public holiday is an error unless this is true. */
  allowHolidays: boolean;
}

/** Parsed line before the checks that need the database. */
interface SessionDraft {
  date: string;
  startTime: string;
  endTime: string;
  halfDay: HalfDay;
  startsAt: Date;
  endsAt: Date;
  location: string | null;
  remoteUrl: string | null;
  capacity: number | null;
}

type SessionRow = AnalysedRow<SessionDraft> & { resolved?: SessionValues };

const ISO_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const FRENCH_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const TIME = /^(\d{1,2})(?:[:hH](\d{2})(?::00)?|[hH])$/;
const HALF_DAY_NAME: Record<HalfDay, string> = { am: 'morning', pm: 'afternoon' };

/**
 * Imports half-day sessions of a cohort from a CSV file. Each line is checked
 * (date and times in the organisation's time zone, module of the cohort's
 * program, trainers of the organisation, public holidays, one session per
 * half-day). A line identical to a session already planned for the cohort
 * (same date and times) has status `exists` and is skipped — so sending the
 * same file twice creates nothing the second time; a line that collides with a
 * different session on the same half-day is an error. Dry run by default; a
 * commit writes all sessions and one audit event in one transaction, or
 * nothing when a line is wrong (unless `allowPartial`).
 */
export async function importSessions(db: Db, ctx: Ctx, input: ImportSessionsInput): Promise<ImportPreview | ImportCommit> {
  assertOrgWide(ctx.actor);
  const table = parseCsv(decodeCsv(input.file, input.encoding), { maxRecords: MAX_IMPORT_LINES });
  const mapping = mapColumns(table.header, SESSION_COLUMNS);
  const organisationId = ctx.actor.organisationId;
  return withTenant(db, organisationId, async (trx) => {
    const cohort = await getCohort(trx, input.cohortId);
    if (!cohort) throw notFound('Cohort');
    if (cohort.archived_at) throw AppError.because('conflict', 'cohort_archived_import', { cohort: cohort.name });
    const timezone = await getOrganisationTimezone(trx, organisationId);
    const today = localParts(input.now, timezone).date;
    const latest = `${Number(today.slice(0, 4)) + 5}${today.slice(4)}`;
    const drafts = table.records.map((r) => readSession(r, mapping, { timezone, latest, allowHolidays: input.allowHolidays }));
    await resolveSessions(trx, cohort, drafts);
    const rows = [...parserErrorRows<SessionDraft>(table), ...drafts];
    const preview = buildPreview('sessions', table, mapping, rows);
    if (input.dryRun) return preview;
    assertCommittable(preview, input.allowPartial);

    const toCreate = drafts.filter((r) => r.status === 'create' && r.resolved).map((r) => r.resolved!);
    const created = await insertSessions(trx, organisationId, toCreate);
    const existing = drafts.filter((r) => r.status === 'exists').length;
    await recordAuditEvent(trx, ctx, {
      type: 'import.completed',
      subjectType: 'cohort',
      subjectId: cohort.id,
      payload: { kind: 'sessions', rows: preview.summary.total, created, updated: 0 },
    });
    const invalid = rows.filter((r) => r.status === 'error').sort((a, b) => a.line - b.line);
    return {
      kind: 'sessions',
      dryRun: false,
      created,
      updated: 0,
      enrolled: 0,
      existing,
      skippedLines: invalid.map((r) => r.line),
      errors: flattenErrors(invalid),
    } satisfies ImportCommit;
  });
}

function readSession(record: CsvRecord, mapping: ColumnMapping, opts: { timezone: string; latest: string; allowHolidays: boolean }): SessionRow {
  const values: Record<string, string> = {};
  for (const { name } of mapping.columns) values[name] = cell(record, mapping, name);
  const row: SessionRow = { line: record.line, values, status: 'create', errors: [], data: null };

  const date = parseDate(values.date ?? '');
  if (!values.date) rowError(row, 'date', 'value_empty');
  else if (!date) rowError(row, 'date', 'date_unreadable', { value: values.date });
  else if (date < '2000-01-01') rowError(row, 'date', 'date_too_early', { date });
  else if (date > opts.latest) rowError(row, 'date', 'date_too_late', { date, latest: opts.latest });
  else if (!opts.allowHolidays) {
    const holiday = frenchHolidayName(date);
    if (holiday) rowError(row, 'date', 'date_public_holiday', { date, holiday });
  }

  const startTime = parseTime(values.start_time ?? '');
  const endTime = parseTime(values.end_time ?? '');
  for (const [column, raw, parsed] of [['start_time', values.start_time, startTime], ['end_time', values.end_time, endTime]] as const) {
    if (!raw) rowError(row, column, 'value_empty');
    else if (!parsed) rowError(row, column, 'time_unreadable', { value: raw });
  }
  if (startTime && endTime && endTime <= startTime) {
    rowError(row, 'end_time', 'end_time_not_after_start', { end: endTime, start: startTime });
  }

  const location = values.location ?? '';
  if (location.length > 300) rowError(row, 'location', 'text_too_long', { length: location.length, max: 300 });
  const remoteUrl = values.remote_url ?? '';
  if (remoteUrl && !isHttpUrl(remoteUrl)) rowError(row, 'remote_url', 'url_not_http', { value: remoteUrl });
  const capacityText = values.capacity ?? '';
  const capacity = capacityText ? Number(capacityText) : null;
  if (capacityText && (!/^\d+$/.test(capacityText) || capacity! < 1 || capacity! > 10_000)) {
    rowError(row, 'capacity', 'capacity_invalid', { value: capacityText });
  }
  if (row.status === 'error' || !date || !startTime || !endTime) return row;
  let bounds: ReturnType<typeof sessionBounds>;
  try {
    bounds = sessionBounds(date, startTime, endTime, opts.timezone);
  } catch (error) {
    if (!(error instanceof SessionTimeError)) throw error;
    rowError(row, { date: 'date', start: 'start_time', end: 'end_time' }[error.field], error.code, error.params);
    return row;
  }
  values.half_day = bounds.halfDay;
  row.data = {
    date,
    startTime,
    endTime,
    ...bounds,
    location: location || null,
    remoteUrl: remoteUrl || null,
    capacity,
  };
  return row;
}

/** Checks that need the file as a whole or the database: module, trainers, half-days taken. */
async function resolveSessions(trx: Tx, cohort: { id: string; program_id: string }, rows: SessionRow[]): Promise<void> {
  const modules = await findProgramModules(trx, cohort.program_id);
  const moduleByTitle = new Map(modules.map((m) => [normaliseTitle(m.title), m.id]));
  const emails = [...new Set(rows.flatMap((r) => trainerEmailsOf(r.values)))];
  const trainerByEmail = new Map((await findTrainersByEmails(trx, emails)).map((t) => [t.email, t.id]));
  const dates = [...new Set(rows.flatMap((r) => (r.data ? [r.data.date] : [])))];
  const taken = new Map((await findCohortSessionsOnDates(trx, cohort.id, dates)).map((s) => [`${s.date}|${s.half_day}`, s]));

  const linesBySlot = new Map<string, number[]>();
  for (const row of rows) {
    if (!row.data) continue;
    const slot = `${row.data.date}|${row.data.halfDay}`;
    linesBySlot.set(slot, [...(linesBySlot.get(slot) ?? []), row.line]);
  }

  // Module and trainers are checked on every line, so a line shows all its errors at once.
  const links = new Map<SessionRow, { moduleId: string | null; trainerIds: string[] }>();
  for (const row of rows) {
    const moduleTitle = row.values.module ?? '';
    let moduleId: string | null = null;
    if (moduleTitle) {
      moduleId = moduleByTitle.get(normaliseTitle(moduleTitle)) ?? null;
      if (!moduleId) {
        const known = modules.map((m) => `"${m.title}"`);
        if (known.length) rowError(row, 'module', 'module_not_in_program', { module: moduleTitle, known: `${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''}` });
        else rowError(row, 'module', 'module_not_in_program_none', { module: moduleTitle });
      }
    }
    const trainerIds: string[] = [];
    for (const email of trainerEmailsOf(row.values)) {
      const id = trainerByEmail.get(email);
      if (id) trainerIds.push(id);
      else rowError(row, 'trainer_email', 'trainer_unknown_email', { email });
    }
    links.set(row, { moduleId, trainerIds });
  }

  for (const row of rows) {
    const d = row.data;
    if (!d) continue;
    const { moduleId, trainerIds } = links.get(row)!;
    const slot = `${d.date}|${d.halfDay}`;
    const others = (linesBySlot.get(slot) ?? []).filter((l) => l !== row.line);
    if (others.length) {
      rowError(row, 'start_time', 'half_day_repeated_in_file', { lines: others.join(', '), halfDay: HALF_DAY_NAME[d.halfDay], date: d.date });
    }
    const existing = taken.get(slot);
    if (existing && row.status !== 'error') {
      const same = existing.status === 'planned' && existing.starts_at.getTime() === d.startsAt.getTime() && existing.ends_at.getTime() === d.endsAt.getTime();
      if (same) {
        row.status = 'exists';
        row.data = null;
        continue;
      }
      rowError(row, 'start_time', existing.status === 'cancelled' ? 'half_day_cancelled' : 'half_day_other_times', { halfDay: HALF_DAY_NAME[d.halfDay], date: d.date });
    }
    if (row.status === 'error') continue;
    row.resolved = {
      cohortId: cohort.id,
      moduleId,
      date: d.date,
      halfDay: d.halfDay,
      startsAt: d.startsAt,
      endsAt: d.endsAt,
      location: d.location,
      remoteUrl: d.remoteUrl,
      capacity: d.capacity,
      trainerIds: [...new Set(trainerIds)],
    };
  }
}

/** 'YYYY-MM-DD' from 'YYYY-MM-DD' or 'DD/MM/YYYY', or null when it is not a calendar date. */
export function parseDate(text: string): string | null {
  const iso = ISO_DATE.exec(text);
  const fr = FRENCH_DATE.exec(text);
  const [y, m, d] = iso ? [iso[1], iso[2], iso[3]] : fr ? [fr[3], fr[2], fr[1]] : [];
  if (!y || !m || !d) return null;
  const check = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  if (check.getUTCFullYear() !== Number(y) || check.getUTCMonth() !== Number(m) - 1 || check.getUTCDate() !== Number(d)) return null;
  return `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
}

/** 'HH:MM' from '9:00', '09:00', '9h', '9h30', '09:00:00', or null. */
export function parseTime(text: string): string | null {
  const m = TIME.exec(text.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2] ?? '0');
  if (h > 23 || min > 59) return null;
  return `${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}`;
}

/** trainer_email may name several trainers separated by `|`. */
function trainerEmailsOf(values: Record<string, string>): string[] {
  return (values.trainer_email ?? '')
    .split('|')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
}

function normaliseTitle(title: string): string {
  return title.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
}

function isHttpUrl(text: string): boolean {
  if (text.length > 2000) return false;
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
