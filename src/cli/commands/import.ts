import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { importLearners } from '../../modules/imports/import-learners.ts';
import { describeImportError } from '../../modules/imports/import-outcome.ts';
import { importSessions } from '../../modules/imports/import-sessions.ts';
import { CSV_ENCODINGS, type CsvEncoding } from '../../modules/imports/csv-file.ts';
import type { ImportCommit, ImportPreview } from '../../modules/imports/imports.schemas.ts';
import { systemCtx } from '../../platform/auth/actor.ts';
import { systemClock } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { EXIT_FAILED, EXIT_OK, UsageError, formatTable, parseCommandArgs, resolveTarget, runCommand, withMigratedDatabase } from './command-support.ts';

export const USAGE = `Usage: emarge import learners FILE --org SLUG --cohort ID_OR_NAME [options]
       emarge import sessions FILE --org SLUG --cohort ID_OR_NAME [options]

Imports a CSV file into a cohort, as the organisation's system actor, with the
same checks as POST /api/v1/imports/…. Without --commit it only shows the
preview and writes nothing.

  learners  columns email (courriel), first_name (prénom), last_name (nom),
            phone (téléphone)?, external_ref (identifiant)?
  sessions  columns date (YYYY-MM-DD or DD/MM/YYYY), start_time (heure_debut),
            end_time (heure_fin), module?, location (lieu)?, remote_url?,
            capacity?, trainer_email? (several separated by |)

Options:
  --org SLUG                 the organisation
  --cohort ID_OR_NAME        the cohort, by id or by name
  --commit                   import (default: preview only)
  --allow-partial            with --commit: import the valid lines, skip the others
  --encoding ENC             utf-8 (default, with or without BOM) or windows-1252
  --allow-holidays           sessions: accept sessions on French public holidays
  -h, --help                 show this help

Exit codes: 0 the file is valid (and imported with --commit); 1 the file has
errors (nothing imported, or only the valid lines with --allow-partial);
2 usage error (unknown option, missing file, unknown organisation or cohort).`;

const KINDS = ['learners', 'sessions'] as const;

export function run(args: string[]): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        org: { type: 'string' },
        cohort: { type: 'string' },
        commit: { type: 'boolean' },
        'allow-partial': { type: 'boolean' },
        'allow-holidays': { type: 'boolean' },
        encoding: { type: 'string' },
      },
      { positionals: 2 },
    );
    if (values.help) {
      console.log(USAGE);
      return EXIT_OK;
    }
    const [kind, path] = positionals;
    if (!kind) throw new UsageError('Say what to import: learners or sessions.');
    if (!(KINDS as readonly string[]).includes(kind)) throw new UsageError(`Cannot import "${kind}": choose learners or sessions.`);
    if (!path) throw new UsageError('Give the CSV file to import.');
    if (!values.org) throw new UsageError('Missing --org SLUG.');
    if (!values.cohort) throw new UsageError('Missing --cohort ID_OR_NAME.');
    if (values['allow-holidays'] && kind !== 'sessions') throw new UsageError('--allow-holidays applies to sessions only.');
    const encoding = (values.encoding ?? 'utf-8').toLowerCase();
    if (!(CSV_ENCODINGS as readonly string[]).includes(encoding)) throw new UsageError(`--encoding must be ${CSV_ENCODINGS.join(' or ')} (got "${values.encoding}").`);
    const size = await stat(path).then((s) => (s.isFile() ? s.size : -1), () => -1);
    if (size < 0) throw new UsageError(`Cannot read the file "${path}".`);

    return withMigratedDatabase(async (db, config) => {
      if (size > config.uploadLimitBytes) {
        console.error(`${path} is ${(size / 1024 / 1024).toFixed(1)} MB; files up to ${(config.uploadLimitBytes / 1024 / 1024).toFixed(0)} MB can be imported (UPLOAD_LIMIT_BYTES). Split it.`);
        return EXIT_FAILED;
      }
      const { organisationId, cohort } = await resolveTarget(db, values.org!, values.cohort!);
      const input = {
        cohortId: cohort.id,
        file: await readFile(path),
        dryRun: !values.commit,
        allowPartial: values['allow-partial'] ?? false,
        encoding: encoding as CsvEncoding,
        now: systemClock.now(),
      };
      let result: ImportPreview | ImportCommit;
      try {
        const ctx = systemCtx(organisationId);
        result = kind === 'learners' ? await importLearners(db, ctx, input) : await importSessions(db, ctx, { ...input, allowHolidays: values['allow-holidays'] ?? false });
      } catch (error) {
        if (error instanceof AppError && (error.code === 'import_invalid' || error.code === 'encoding_invalid')) {
          console.error(`${basename(path)}: ${error.message}`);
          for (const e of error.errors ?? []) console.error(`  ${e.line ? describeImportError({ line: e.line, column: e.column ?? null, message: e.message }) : e.message}`);
          return EXIT_FAILED;
        }
        throw error;
      }
      return result.dryRun ? printPreview(basename(path), cohort.name, result) : printCommit(basename(path), cohort.name, result);
    });
  });
}

function printPreview(file: string, cohortName: string, p: ImportPreview): number {
  const s = p.summary;
  const delimiter = p.delimiter === '\t' ? 'tab' : `"${p.delimiter}"`;
  console.log(`Preview of ${file} → ${p.kind} of cohort "${cohortName}" (delimiter ${delimiter}, ${s.total} lines)`);
  if (p.ignoredColumns.length) console.log(`Ignored columns: ${p.ignoredColumns.join(', ')}`);
  const names = p.columns.map((c) => c.name);
  console.log('');
  console.log(formatTable(['LINE', 'STATUS', ...names.map((n) => n.toUpperCase())], p.rows.map((r) => [String(r.line), r.status, ...names.map((n) => r.values[n] ?? '')])));
  console.log('');
  console.log(summaryLine(p));
  if (p.errors.length) {
    console.log('');
    console.log(`Errors (${p.errors.length}):`);
    for (const e of p.errors) console.log(`  ${describeImportError(e)}`);
  }
  console.log('');
  console.log(
    s.invalid
      ? 'Dry run: nothing was written. Fix the lines above, or add --commit --allow-partial to import only the valid lines.'
      : 'Dry run: nothing was written. Add --commit to import.',
  );
  return s.invalid ? EXIT_FAILED : EXIT_OK;
}

function summaryLine(p: ImportPreview): string {
  const s = p.summary;
  const parts = [`${s.create} to create`];
  if (p.kind === 'learners') parts.push(`${s.update} to update`);
  else parts.push(`${s.exists} already planned`);
  parts.push(`${s.invalid} with errors`);
  return `${s.total} lines: ${parts.join(', ')}.`;
}

function printCommit(file: string, cohortName: string, r: ImportCommit): number {
  console.log(
    r.kind === 'learners'
      ? `Imported ${file} into cohort "${cohortName}": ${r.created} learners created, ${r.updated} updated, ${r.enrolled} newly enrolled.`
      : `Imported ${file} into cohort "${cohortName}": ${r.created} sessions created, ${r.existing} already planned (skipped).`,
  );
  if (r.skippedLines.length) {
    console.log(`Skipped ${r.skippedLines.length} line(s) with errors:`);
    for (const e of r.errors) console.log(`  ${describeImportError(e)}`);
    return EXIT_FAILED;
  }
  return EXIT_OK;
}
