import { isUtf8 } from 'node:buffer';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { AppError, type ProblemItem } from '../../platform/errors/app-error.ts';
import { problemItem, type ProblemItemCode, type ProblemParams } from '../../platform/errors/problem-items.ts';

/**
 * Reading a CSV file as people export it from Excel, LibreOffice or another
 * tool: UTF-8 with or without a byte-order mark (or Windows-1252 on request),
 * `,` `;` or tab as delimiter, CRLF or LF line ends. Parsing is strict (no
 * relaxed quoting, no ragged lines): a record with the wrong number of fields
 * is an error of that line; a quoting error is an error of the whole file.
 */

export const CSV_ENCODINGS = ['utf-8', 'windows-1252'] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

/** One data record: its first physical line in the file (the header is line 1) and its raw fields. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** A line the parser refused (wrong number of fields): reported like any other line error. */
export interface CsvLineError {
  line: number;
  code: 'csv_field_count';
  params: ProblemParams;
}

export interface CsvTable {
  delimiter: ',' | ';' | '\t';
  header: string[];
  records: CsvRecord[];
  lineErrors: CsvLineError[];
}

/** Decodes the file's bytes; invalid UTF-8 gets `encoding_invalid` naming the first bad line and the fixes. */
export function decodeCsv(file: Buffer, encoding: CsvEncoding): string {
  if (encoding === 'windows-1252') return stripBom(iconv.decode(file, 'windows-1252'));
  if (!isUtf8(file)) {
    const decoded = new TextDecoder('utf-8').decode(file);
    const at = decoded.indexOf('\uFFFD');
    const line = at < 0 ? 1 : countNewlines(decoded.slice(0, at)) + 1;
    throw new AppError(
      'encoding_invalid',
      `The file is not valid UTF-8 (first bad character on line ${line}). In Excel, save it again as "CSV UTF-8 (comma delimited)"; or, if it comes from an older Windows tool, send it with encoding=windows-1252.`,
      { errors: [problemItem(`lines.${line}`, 'csv_not_utf8', undefined, { line })] },
    );
  }
  return stripBom(file.toString('utf8'));
}

/** The delimiter used by the header line: the most frequent of `,` `;` and tab outside quotes (`,` when none). */
export function detectDelimiter(text: string): ',' | ';' | '\t' {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && (ch === ',' || ch === ';' || ch === '\t')) counts[ch]++;
  }
  const best = (Object.entries(counts) as Array<[',' | ';' | '\t', number]>).sort((a, b) => b[1] - a[1])[0]!;
  return best[1] > 0 ? best[0] : ',';
}

/** Parses decoded text into a header and records with line numbers; lines holding only delimiters are skipped. */
export function parseCsv(text: string, opts: { maxRecords: number }): CsvTable {
  const normalised = text.replace(/\r\n?/g, '\n');
  const delimiter = detectDelimiter(normalised);
  const lineErrors: CsvLineError[] = [];
  let fatal = null as { line: number; reason: string } | null;
  let rows: Array<{ record: string[]; raw: string; info: { lines: number } }>;
  try {
    rows = parse(normalised, {
      delimiter,
      record_delimiter: '\n',
      info: true,
      raw: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err) => {
        if (!err) return;
        if (err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
          lineErrors.push({ line: Number(err.lines), code: 'csv_field_count', params: fieldCounts(err.message) });
        } else fatal ??= { line: Number(err.lines), reason: err.message };
      },
    }) as never;
  } catch (error) {
    const err = error as { lines?: number; message?: string };
    fatal = { line: err.lines ?? 1, reason: err.message ?? 'unknown reason' };
    rows = [];
  }
  if (fatal) {
    throw new AppError('import_invalid', `The file cannot be read as CSV: ${fatal.reason}. Nothing was imported.`, {
      errors: [problemItem(`lines.${fatal.line}`, 'csv_unreadable', { reason: fatal.reason }, { line: fatal.line })],
    });
  }
  const [head, ...data] = rows;
  if (!head) throw fileError('csv_empty');
  const records: CsvRecord[] = [];
  for (const row of data) {
    if (row.record.every((f) => f.trim() === '')) continue;
    records.push({ line: row.info.lines - innerNewlines(row.raw), fields: row.record });
  }
  // A header wider or narrower than the data shows as errors on every line; the header itself is line 1.
  if (records.length + lineErrors.length === 0) throw fileError('csv_no_data');
  if (records.length + lineErrors.length > opts.maxRecords) {
    throw fileError('csv_too_many_lines', { lines: records.length + lineErrors.length, max: opts.maxRecords });
  }
  return { delimiter, header: head.record.map((h) => h.trim()), records, lineErrors: lineErrors.sort((a, b) => a.line - b.line) };
}

/** A problem with the file as a whole (`import_invalid`, its detail the item's wording as a sentence). */
function fileError(code: ProblemItemCode, params?: ProblemParams): AppError {
  const item = problemItem('file', code, params);
  return new AppError('import_invalid', `${item.message.charAt(0).toUpperCase()}${item.message.slice(1)}. Nothing was imported.`, { errors: [item] });
}

/** A column of the import: its canonical name, the header names that mean it, and whether it must be present. */
export interface ColumnSpec {
  name: string;
  aliases: readonly string[];
  required: boolean;
}

export interface ColumnMapping {
  /** canonical name → index in the record, for the columns found. */
  index: Map<string, number>;
  /** The recognised columns in file order, with the header as written. */
  columns: Array<{ name: string; header: string }>;
  /** Headers that match no column (ignored; shown in the preview so a typo is visible). */
  ignored: string[];
}

/** Header names compared case-, accent-, space- and dash-insensitively: "Prénom", "prenom", "PRENOM" are one. */
export function normaliseHeader(header: string): string {
  return header
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .trim()
    .replace(/[\s\-.]+/g, '_');
}

/** Maps the header to the import's columns; a missing required column or a column given twice is a file error. */
export function mapColumns(header: string[], specs: readonly ColumnSpec[]): ColumnMapping {
  const byAlias = new Map<string, ColumnSpec>();
  for (const spec of specs) for (const alias of [spec.name, ...spec.aliases]) byAlias.set(normaliseHeader(alias), spec);
  const index = new Map<string, number>();
  const columns: Array<{ name: string; header: string }> = [];
  const ignored: string[] = [];
  const errors: ProblemItem[] = [];
  header.forEach((h, i) => {
    const spec = byAlias.get(normaliseHeader(h));
    if (!spec) {
      if (h !== '') ignored.push(h);
      return;
    }
    if (index.has(spec.name)) {
      const first = columns.find((c) => c.name === spec.name)!.header;
      errors.push(problemItem(`lines.1.${spec.name}`, 'csv_column_twice', { first, second: h, column: spec.name }, { line: 1, column: spec.name }));
      return;
    }
    index.set(spec.name, i);
    columns.push({ name: spec.name, header: h });
  });
  for (const spec of specs) {
    if (spec.required && !index.has(spec.name)) {
      const accepted = [spec.name, ...spec.aliases].join(', ');
      errors.push(problemItem(`lines.1.${spec.name}`, 'csv_column_missing', { column: spec.name, accepted }, { line: 1, column: spec.name }));
    }
  }
  if (errors.length) {
    throw new AppError('import_invalid', `The header line is not valid: ${errors.map((e) => e.message).join('; ')}. Nothing was imported.`, { errors });
  }
  return { index, columns, ignored };
}

/** The trimmed value of a column in a record ('' when the column is absent). */
export function cell(record: CsvRecord, mapping: ColumnMapping, name: string): string {
  const i = mapping.index.get(name);
  return i === undefined ? '' : (record.fields[i] ?? '').trim();
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** Newlines inside a record's own text (quoted multi-line fields), not the skipped blank lines before it nor its end. */
function innerNewlines(raw: string): number {
  return countNewlines(raw.replace(/^\n+/, '').replace(/\n$/, ''));
}

/** The field counts of csv-parse's "expect N, got M" message. */
function fieldCounts(message: string): ProblemParams {
  const m = /expect (\d+), got (\d+)/.exec(message);
  return m ? { expected: Number(m[1]), got: Number(m[2]) } : { expected: '?', got: '?' };
}
