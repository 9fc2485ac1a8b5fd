import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type Config, loadConfig } from '../../config.ts';
import { createDatabase, type Db } from '../../platform/db/database.ts';
import { migrateOrThrow } from '../../platform/db/migrate.ts';
import { withSystem, withTenant } from '../../platform/db/tenant.ts';
import { findCohortsByIdOrName } from '../../modules/imports/imports.repository.ts';

/**
 * What the CLI commands share: strict option parsing with a usage error (exit
 * code 2) for anything unknown, and a migrated database opened from the
 * environment's configuration and always closed.
 */

/** A mistake in how the command was called: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  readonly showUsage: boolean;
  constructor(message: string, opts: { showUsage?: boolean } = {}) {
    super(message);
    this.name = 'UsageError';
    this.showUsage = opts.showUsage ?? true;
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

type Options = NonNullable<ParseArgsConfig['options']>;

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/** node:util parseArgs, strict: unknown options, missing values and stray arguments become UsageErrors. */
export function parseCommandArgs<O extends Options>(args: string[], options: O, opts: { positionals?: number } = {}) {
  const max = opts.positionals ?? 0;
  const config = { args, options: { ...options, ...HELP } as O & typeof HELP, strict: true as const, allowPositionals: true as const };
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    const err = error as { code?: string; message: string };
    if (err.code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError(err.message.replace(/\. To specify a positional argument.*$/s, '.'));
    throw error;
  }
  if (!(parsed.values as { help?: boolean }).help && parsed.positionals.length > max) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[max]}".`);
  }
  return parsed;
}

/** Runs a command body: `--help` prints the usage (exit 0); a UsageError prints message and usage (exit 2). */
export async function runCommand(usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.showUsage ? `${error.message}\n\n${usage}` : error.message);
      return EXIT_USAGE;
    }
    throw error;
  }
}

/** Opens the configured database, applies pending migrations, runs `fn`, and closes the database. */
export async function withMigratedDatabase<T>(fn: (db: Db, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env);
  const db = createDatabase(config.database);
  try {
    const applied = await migrateOrThrow(db);
    if (applied.length) console.error(`Applied ${applied.length} migration(s).`);
    return await fn(db, config);
  } finally {
    await db.destroy();
  }
}

/** A plain-text table: columns padded to their widest cell (cells cut at `max` characters). */
export function formatTable(header: string[], rows: string[][], max = 40): string {
  const cut = (s: string) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
  const all = [header, ...rows].map((r) => r.map((c) => cut(c.replace(/\s+/g, ' '))));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** The organisation (by slug) and one of its cohorts (by id or name), or a UsageError that lists the cohorts. */
export async function resolveTarget(db: Db, slug: string, cohortRef: string) {
  const organisation = await withSystem(db, (trx) => trx.selectFrom('organisations').select(['id', 'name']).where('slug', '=', slug.trim().toLowerCase()).executeTakeFirst());
  if (!organisation) throw new UsageError(`No organisation with slug "${slug}".`, { showUsage: false });
  const found = await withTenant(db, organisation.id, async (trx) => {
    const matches = await findCohortsByIdOrName(trx, cohortRef);
    const names = matches.length ? [] : (await trx.selectFrom('cohorts').select('name').where('archived_at', 'is', null).orderBy('name').limit(20).execute()).map((c) => c.name);
    return { matches, names };
  });
  if (found.matches.length === 0) {
    throw new UsageError(`No cohort "${cohortRef}" in ${organisation.name}.${found.names.length ? ` Cohorts: ${found.names.map((n) => `"${n}"`).join(', ')}.` : ' It has no cohorts yet.'}`, { showUsage: false });
  }
  if (found.matches.length > 1) {
    throw new UsageError(`Several cohorts are named "${cohortRef}"; pass the id of one: ${found.matches.map((c) => c.id).join(', ')}.`, { showUsage: false });
  }
  return { organisationId: organisation.id, cohort: found.matches[0]! };
}
