import { AppError } from '../../platform/errors/app-error.ts';
import { itemMessage, type ProblemItemCode, type ProblemParams } from '../../platform/errors/problem-items.ts';
import type { ColumnMapping, CsvTable } from './csv-file.ts';
import type { ImportError, ImportPreview, ImportRowStatus } from './imports.schemas.ts';

/** Shared between the learners and sessions imports: one analysed line and how lines become a preview. */
export interface AnalysedRow<T> {
  line: number;
  values: Record<string, string>;
  status: ImportRowStatus;
  errors: RowError[];
  /** The validated values, when the line has no error. */
  data: T | null;
}

/** A line's error: the column (null: the whole line), its code and params, and the English wording. */
export interface RowError {
  column: string | null;
  code: ProblemItemCode;
  params?: ProblemParams;
  message: string;
}

export function lineError(column: string | null, code: ProblemItemCode, params?: ProblemParams): RowError {
  return { column, code, ...(params ? { params } : {}), message: itemMessage(code, params) };
}

export function rowError<T>(row: AnalysedRow<T>, column: string | null, code: ProblemItemCode, params?: ProblemParams): void {
  row.errors.push(lineError(column, code, params));
  row.status = 'error';
  row.data = null;
}

/** Lines the parser refused outright (wrong number of fields) become error rows too. */
export function parserErrorRows<T>(table: CsvTable): Array<AnalysedRow<T>> {
  return table.lineErrors.map((e) => ({ line: e.line, values: {}, status: 'error' as const, errors: [lineError(null, e.code, e.params)], data: null }));
}

export function buildPreview<T>(kind: 'learners' | 'sessions', table: CsvTable, mapping: ColumnMapping, rows: Array<AnalysedRow<T>>): ImportPreview {
  const sorted = [...rows].sort((a, b) => a.line - b.line);
  const count = (s: ImportRowStatus) => sorted.filter((r) => r.status === s).length;
  return {
    kind,
    dryRun: true,
    delimiter: table.delimiter,
    columns: mapping.columns,
    ignoredColumns: mapping.ignored,
    rows: sorted.map(({ line, values, status, errors }) => ({ line, values, status, errors })),
    errors: flattenErrors(sorted),
    summary: {
      total: sorted.length,
      valid: sorted.length - count('error'),
      invalid: count('error'),
      create: count('create'),
      update: count('update'),
      exists: count('exists'),
    },
  };
}

export function flattenErrors(rows: ReadonlyArray<AnalysedRow<unknown>>): ImportError[] {
  return rows.flatMap((r) => r.errors.map((e) => ({ line: r.line, ...e })));
}

/** A commit with invalid lines and without allowPartial imports nothing: 422 import_invalid listing every error. */
export function assertCommittable(preview: ImportPreview, allowPartial: boolean): void {
  if (preview.summary.invalid === 0 || allowPartial) return;
  throw new AppError(
    'import_invalid',
    `${preview.summary.invalid} of ${preview.summary.total} lines have errors, so nothing was imported. Fix them and send the file again, or pass allowPartial=true to import only the valid lines.`,
    {
      errors: preview.errors.map((e) => ({
        path: e.column ? `lines.${e.line}.${e.column}` : `lines.${e.line}`,
        line: e.line,
        ...(e.column ? { column: e.column } : {}),
        ...(e.code ? { code: e.code } : {}),
        ...(e.params ? { params: e.params } : {}),
        message: e.message,
      })),
      extra: { summary: preview.summary },
    },
  );
}

/** "line 12, column email: is not a valid email address" — how the CLI and messages name an error. */
export function describeImportError(e: ImportError): string {
  return `line ${e.line}${e.column ? `, column ${e.column}` : ''}: ${e.message}`;
}
