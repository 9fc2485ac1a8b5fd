import { isUtf8 } from 'node:buffer';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { AppError, type ProblemItem } from '../../platform/errors/app-error.ts';

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
  message: string;
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
      { errors: [{ path: `lines.${line}`, line, message: 'is not valid UTF-8' }] },
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
  let fatal = null as { line: number; message: string } | null;
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
          lineErrors.push({ line: Number(err.lines), message: fieldCountMessage(err.message) });
        } else fatal ??= { line: Number(err.lines), message: err.message };
      },
    }) as never;
  } catch (error) {
    const err = error as { lines?: number; message?: string };
    fatal = { line: err.lines ?? 1, message: err.message ?? 'the file cannot be read as CSV' };
    rows = [];
  }
  if (fatal) {
    throw new AppError('import_invalid', `The file cannot be read as CSV: ${fatal.message}. Nothing was imported.`, {
      errors: [{ path: `lines.${fatal.line}`, line: fatal.line, message: fatal.message }],
    });
  }
  const [head, ...data] = rows;
  if (!head) throw fileError('The file is empty: the first line must name the columns.');
  const records: CsvRecord[] = [];
  for (const row of data) {
    if (row.record.every((f) => f.trim() === '')) continue;
    records.push({ line: row.info.lines - innerNewlines(row.raw), fields: row.record });
  }
  // A header wider or narrower than the data shows as errors on every line; the header itself is line 1.
  if (records.length + lineErrors.length === 0) throw fileError('The file has a header line but no data lines.');
  if (records.length + lineErrors.length > opts.maxRecords) {
    throw fileError(`The file has ${records.length + lineErrors.length} data lines; at most ${opts.maxRecords} can be imported at once. Split it into several files.`);
  }
  return { delimiter, header: head.record.map((h) => h.trim()), records, lineErrors: lineErrors.sort((a, b) => a.line - b.line) };
}

function fileError(message: string, errors?: ProblemItem[]): AppError {
  return new AppError('import_invalid', message, { errors: errors ?? [{ path: 'file', message }] });
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
      errors.push({ path: `lines.1.${spec.name}`, line: 1, column: spec.name, message: `columns "${columns.find((c) => c.name === spec.name)!.header}" and "${h}" both mean ${spec.name}; keep one` });
      return;
    }
    index.set(spec.name, i);
    columns.push({ name: spec.name, header: h });
  });
  for (const spec of specs) {
    if (spec.required && !index.has(spec.name)) {
      errors.push({
        path: `lines.1.${spec.name}`,
        line: 1,
        column: spec.name,
        message: `required column "${spec.name}" is missing (accepted headers: ${[spec.name, ...spec.aliases].join(', ')})`,
      });
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

function fieldCountMessage(message: string): string {
  const m = /expect (\d+), got (\d+)/.exec(message);
  return m ? `has ${m[2]} fields where the header has ${m[1]} (check the delimiter and the quotes)` : message;
}
