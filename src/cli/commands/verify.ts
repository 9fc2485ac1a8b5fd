import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../../config.ts';
import { parseAnchorFile, readPdfAnchor } from '../../modules/attendance/evidence-anchors.ts';
import { type BatchAnchor, type VerificationProblem, verifyEvidence } from '../../modules/attendance/verify-evidence.ts';
import { createDatabase, type Db } from '../../platform/db/database.ts';
import { withSystem } from '../../platform/db/tenant.ts';
import { EXIT_FAILED, EXIT_OK, parseCommandArgs, runCommand, UsageError } from './command-support.ts';

export const USAGE = `Usage: emarge verify [--org SLUG] [--anchors FILE] [--json] [PDF…]

Recomputes the evidence log of every organisation (or only --org): each sealed
entry's content hash and chain hash, each sealed batch (Merkle root, link to
the previous batch), and the content hash of entries not sealed yet; then
checks every attested row against the entries that recorded it: signatures
(PNG bytes and strokes re-hashed, session, signer), attendance records
(status, late minutes, times, method, signature, who marked, reason),
amendments (who, when, what, why) and sheet locks. Read only: it seals
nothing and changes nothing (it does not even run migrations).
Anchors kept outside the database are compared with the batches: the lines of
an anchor file (EVIDENCE_ANCHOR_FILE of the server), the batch recorded in each
sealed PDF given, and the RFC 3161 time-stamp tokens stored with the log. A
batch anchored there but missing or different here (seal rolled back, log
truncated, batch rewritten) is named.
Prints OK with the counts, or names the first fact that no longer matches
(entry, batch, or table, row and fact).

Exit codes: 0 intact, 1 a mismatch was found, 2 usage error.

Options:
  --org SLUG       only this organisation (its slug or id)
  --anchors FILE   an anchor file (JSON lines, one per sealed batch); default:
                   EVIDENCE_ANCHOR_FILE when it is set and the file exists
  --json           print the verdicts as JSON
  -h, --help       show this help`;

function describe(p: VerificationProblem): string {
  if ('table' in p) return `first fact that no longer matches: ${p.table} ${p.rowId}, fact ${p.fact}; entry ${p.entryId ?? '(none)'}${p.seq !== null ? ` (seq ${p.seq})` : ''} [${p.kind}]`;
  if ('source' in p) return `first batch that no longer matches: batch ${p.batchNumber} anchored in ${p.source} [${p.kind}]`;
  return `first entry that no longer matches: ${p.entryId ?? '(none: a batch)'}${p.seq !== null ? ` (seq ${p.seq})` : ''}${p.batchNumber !== null ? `, batch ${p.batchNumber}` : ''} [${p.kind}]`;
}

/** Reads the anchors given on the command line (the anchor file's lines, the batch recorded in each PDF). */
async function readAnchors(file: string | undefined, pdfs: string[]): Promise<BatchAnchor[]> {
  const anchors: BatchAnchor[] = [];
  if (file) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`Cannot read the anchor file ${file}: ${(error as Error).message}`, { showUsage: false });
    }
    try {
      anchors.push(...parseAnchorFile(text, `anchor file ${basename(file)}`));
    } catch (error) {
      throw new UsageError((error as Error).message, { showUsage: false });
    }
  }
  for (const path of pdfs) {
    let anchor: BatchAnchor | null;
    try {
      anchor = await readPdfAnchor(await readFile(path), basename(path));
    } catch (error) {
      throw new UsageError(`Cannot read ${path} as a PDF: ${(error as Error).message}`, { showUsage: false });
    }
    if (!anchor) throw new UsageError(`${path} records no batch of the evidence log (issued before the first seal, or not an Emarge document).`, { showUsage: false });
    anchors.push(anchor);
  }
  return anchors;
}

/** The command on an open database (tests call it with theirs); `run` opens the configured one. */
export async function verifyCommand(db: Db, args: string[], opts: { defaultAnchorFile?: string | null } = {}): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { org: { type: 'string' }, anchors: { type: 'string' }, json: { type: 'boolean' } }, { positionals: Number.MAX_SAFE_INTEGER });
  if (values.help) {
    console.log(USAGE);
    return EXIT_OK;
  }
  const anchorFile = values.anchors ?? (opts.defaultAnchorFile && existsSync(opts.defaultAnchorFile) ? opts.defaultAnchorFile : undefined);
  const anchors = await readAnchors(anchorFile, positionals);
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
  if (!values.org) {
    // An anchor of an organisation that is not here at all: its whole log is gone.
    const known = new Set(orgs.map((o) => o.id));
    for (const a of anchors.filter((x) => !known.has(x.organisationId))) {
      failed = true;
      if (!values.json) console.log(`TAMPERED: batch ${a.batchNumber} (${a.batchHash}) of organisation ${a.organisationId}, anchored in ${a.source}, has no organisation in this database`);
    }
  }
  for (const org of orgs) {
    const v = await verifyEvidence(db, org.id, { anchors });
    verdicts.push({ organisation: org.slug, organisationId: org.id, ...v, problems: v.problems.slice(0, 20) });
    if (values.json) continue;
    if (v.ok) {
      console.log(`OK ${org.slug}: ${v.checkedEntries} sealed entries in ${v.checkedBatches} batches, ${v.unsealedEntries} unsealed entries checked, ${v.checkedRows} rows matched their evidence, ${v.checkedAnchors} anchors${v.headBatchHash ? `, head ${v.headBatchHash}` : ''}`);
    } else {
      const p = v.firstProblem!;
      console.log(`TAMPERED ${org.slug}: ${p.message}`);
      console.log(`  ${describe(p)}`);
      if (v.problems.length > 1) console.log(`  ${v.problems.length - 1} more problem(s) after it`);
    }
    failed ||= !v.ok;
  }
  if (values.json) console.log(JSON.stringify({ ok: !failed, organisations: verdicts }, null, 2));
  else if (!failed) console.log(`Evidence intact: ${orgs.length} organisation(s) verified.`);
  return failed ? EXIT_FAILED : EXIT_OK;
}

export function run(args: string[]): Promise<number> {
  return runCommand(USAGE, async () => {
    if (args.includes('--help') || args.includes('-h')) return verifyCommand(null as never, args);
    const config = loadConfig(process.env);
    const db = createDatabase(config.database);
    try {
      return await verifyCommand(db, args, { defaultAnchorFile: config.evidenceAnchoring.file });
    } finally {
      await db.destroy();
    }
  });
}
