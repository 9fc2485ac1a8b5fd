import { sql } from 'kysely';
import { loadConfig } from '../../config.ts';
import { verifyEvidence } from '../../modules/attendance/verify-evidence.ts';
import { createDatabase } from '../../platform/db/database.ts';
import { withSystem } from '../../platform/db/tenant.ts';
import { EXIT_FAILED, EXIT_OK, parseCommandArgs, runCommand, UsageError } from './command-support.ts';

export const USAGE = `Usage: emarge verify [--org SLUG] [--json]

Recomputes the evidence log of every organisation (or only --org): each sealed
entry's content hash and chain hash, each sealed batch (Merkle root, link to
the previous batch), and the content hash of entries not sealed yet. Read only:
it seals nothing and changes nothing (it does not even run migrations).
Prints OK with the counts, or names the first entry that no longer matches.

Exit codes: 0 intact, 1 a mismatch was found, 2 usage error.

Options:
  --org SLUG   only this organisation (its slug or id)
  --json       print the verdicts as JSON
  -h, --help   show this help`;

export function run(args: string[]): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values } = parseCommandArgs(args, { org: { type: 'string' }, json: { type: 'boolean' } });
    if (values.help) {
      console.log(USAGE);
      return EXIT_OK;
    }
    const config = loadConfig(process.env);
    const db = createDatabase(config.database);
    try {
      const orgs = await withSystem(db, async (trx) => {
        const migrated = await sql<{ t: string | null }>`SELECT to_regclass('evidence_entries')::text AS t`.execute(trx);
        if (!migrated.rows[0]?.t) throw new UsageError('This database has no evidence log (not migrated, or DATA_DIR / DATABASE_URL points elsewhere). Nothing was changed.', { showUsage: false });
        let q = trx.selectFrom('organisations').select(['id', 'slug']).orderBy('slug');
        if (values.org) {
          const org = values.org;
          q = /^[0-9a-f-]{36}$/i.test(org) ? q.where('id', '=', org) : q.where('slug', '=', org);
        }
        return await q.execute();
      });
      if (values.org && orgs.length === 0) throw new UsageError(`No organisation with slug or id "${values.org}".`, { showUsage: false });
      let failed = false;
      const verdicts = [];
      for (const org of orgs) {
        const v = await verifyEvidence(db, org.id);
        verdicts.push({ organisation: org.slug, organisationId: org.id, ...v, problems: v.problems.slice(0, 20) });
        if (values.json) continue;
        if (v.ok) {
          console.log(`OK ${org.slug}: ${v.checkedEntries} sealed entries in ${v.checkedBatches} batches, ${v.unsealedEntries} unsealed entries checked${v.headBatchHash ? `, head ${v.headBatchHash}` : ''}`);
        } else {
          const p = v.firstProblem!;
          console.log(`TAMPERED ${org.slug}: ${p.message}`);
          console.log(`  first entry that no longer matches: ${p.entryId ?? '(none: a batch)'}${p.seq !== null ? ` (seq ${p.seq})` : ''}${p.batchNumber !== null ? `, batch ${p.batchNumber}` : ''} [${p.kind}]`);
          if (v.problems.length > 1) console.log(`  ${v.problems.length - 1} more problem(s) after it`);
        }
        failed ||= !v.ok;
      }
      if (values.json) console.log(JSON.stringify({ ok: !failed, organisations: verdicts }, null, 2));
      else if (!failed) console.log(`Evidence intact: ${orgs.length} organisation(s) verified.`);
      return failed ? EXIT_FAILED : EXIT_OK;
    } finally {
      await db.destroy();
    }
  });
}
