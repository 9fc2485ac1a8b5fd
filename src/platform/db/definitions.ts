import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { execScript } from './sql-script.ts';

/**
 * Repeatable SQL definitions (ADR 0003): the server-side functions live in one
 * file each under `definitions/`, the only text of each. After the versioned
 * migrations, `applyDefinitions` runs every file whose SHA-256 differs from the
 * one recorded in `emarge_sql_definitions` (migration 0027), in the order
 * below, and records the new hash — Flyway's "repeatable migrations". A
 * changed file is re-applied on the next `migrate`/`serve`; an unchanged one
 * costs one hash. Each file must be re-runnable (CREATE OR REPLACE; a change of
 * a function's arguments or result columns starts with its DROP FUNCTION).
 */
export const DEFINITIONS = ['emarge_link_signing_state', 'emarge_link_signing_states', 'emarge_qr_signing_state', 'emarge_write_signatures'] as const;

const DIR = join(import.meta.dirname, 'definitions');

export interface Definition {
  name: (typeof DEFINITIONS)[number];
  text: string;
  sha256: string;
}

/** Every definition file with its hash, in the order they are applied. */
export function readDefinitions(): Definition[] {
  return DEFINITIONS.map((name) => {
    const text = readFileSync(join(DIR, `${name}.sql`), 'utf8');
    return { name, text, sha256: createHash('sha256').update(text).digest('hex') };
  });
}

/**
 * Applies the definitions that changed (or were never applied), in one
 * transaction under an advisory lock (two servers migrating at once apply each
 * once); returns their names.
 */
export async function applyDefinitions(db: Kysely<unknown>): Promise<string[]> {
  const definitions = readDefinitions();
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('emarge_sql_definitions'))`.execute(trx);
    const { rows } = await sql<{ name: string; sha256: string }>`SELECT name, sha256 FROM emarge_sql_definitions`.execute(trx);
    const recorded = new Map(rows.map((r) => [r.name, r.sha256]));
    const applied: string[] = [];
    for (const d of definitions) {
      if (recorded.get(d.name) === d.sha256) continue;
      await execScript(trx, d.text);
      await sql`
        INSERT INTO emarge_sql_definitions (name, sha256, applied_at) VALUES (${d.name}, ${d.sha256}, now())
        ON CONFLICT (name) DO UPDATE SET sha256 = excluded.sha256, applied_at = excluded.applied_at`.execute(trx);
      applied.push(d.name);
    }
    return applied;
  });
}
