import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { TEST_DB_KIND } from '../../../test/database.ts';
import { startTestTsa, type TestTsa } from '../../../test/tsa-server.ts';
import { runCommand } from '../../cli/commands/command-support.ts';
import { USAGE, verifyCommand } from '../../cli/commands/verify.ts';
import { systemCtx } from '../../platform/auth/actor.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { makeAttendanceFixture, makeSession, sampleStrokes } from './attendance-test-fixtures.ts';
import { createSigningLink } from './create-signing-link.ts';
import { parseAnchorFile, readPdfAnchor, readTimeStampToken } from './evidence-anchors.ts';
import { computeBatchHash, computeContentHash } from './evidence-chain.ts';
import { markExcused } from './mark-excused.ts';
import { toBatch, toEntry } from './seal-evidence.ts';
import { renderSignaturePng } from './signature-strokes.ts';
import { type BatchAnchor, type VerificationProblem, verifyEvidence } from './verify-evidence.ts';

type Fixture = Awaited<ReturnType<typeof makeAttendanceFixture>>;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The tamper test of issue 12: a sheet signed, marked, locked, amended,
 * justified, sealed in two batches and anchored (anchor file, RFC 3161
 * time-stamps from a real TSA on loopback, webhook, sealed PDFs); then each
 * change an attacker with the database can make, by plain SQL with every
 * trigger off (session_replication_role = replica), on a restored state each
 * time. `verify` must name each change: the row, the fact, the entry.
 */
describe(`evidence tamper test (${TEST_DB_KIND})`, () => {
  let t: TestContext;
  let f: Fixture;
  let tsa: TestTsa;
  const dir = mkdtempSync(join(tmpdir(), 'emarge-tamper-'));
  const anchorFile = join(dir, 'anchors.jsonl');
  const url = (path: string) => `/api/v1${path}`;
  const ids: Record<string, string> = {};
  let pdfBatch1: string;
  let pdfLatest: string;
  let anchors: BatchAnchor[];

  const TABLES = ['evidence_entries', 'evidence_batches', 'evidence_anchors', 'signatures', 'attendance_records', 'attendance_amendments', 'attendance_sheets'];

  /** SQL run as the database owner with every trigger and foreign key check off: what an attacker with the database can do. */
  async function tamper(statements: (trx: any) => Promise<unknown>) {
    await t.db.transaction().execute(async (trx) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(trx);
      await statements(trx);
    });
  }

  async function restore() {
    await tamper(async (trx) => {
      for (const table of TABLES) {
        await sql`DELETE FROM ${sql.raw(table)}`.execute(trx);
        await sql`INSERT INTO ${sql.raw(table)} SELECT * FROM ${sql.raw(`snap_${table}`)}`.execute(trx);
      }
    });
  }

  const verify = (withAnchors: BatchAnchor[] = anchors) => verifyEvidence(t.db, f.organisation.id, { anchors: withAnchors, maxProblems: 100 });

  function find(problems: VerificationProblem[], match: Partial<Record<string, unknown>>): VerificationProblem | undefined {
    return problems.find((p) => Object.entries(match).every(([k, v]) => (p as unknown as Record<string, unknown>)[k] === v));
  }

  function assertNamed(v: Awaited<ReturnType<typeof verify>>, match: Partial<Record<string, unknown>>, label: string) {
    assert.equal(v.ok, false, `${label}: verify must fail`);
    assert.ok(find(v.problems, match), `${label}: expected a problem ${JSON.stringify(match)}, got ${JSON.stringify(v.problems.map((p) => ({ ...p, message: p.message.slice(0, 160) })), null, 1)}`);
  }

  async function cli(...args: string[]) {
    const out: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void out.push(a.join(' '));
    try {
      const code = await runCommand(USAGE, () => verifyCommand(t.db, args));
      return { code, out: out.join('\n') };
    } finally {
      console.log = log;
    }
  }

  async function entryOf(match: { type: string; key: string; value: string }) {
    const rows = await t.db.selectFrom('evidence_entries').selectAll().where('organisation_id', '=', f.organisation.id).where('type', '=', match.type).execute();
    const row = rows.find((r) => JSON.stringify(r.payload).includes(match.value));
    assert.ok(row, `entry ${match.type} ${match.value}`);
    return row!;
  }

  before(async () => {
    tsa = await startTestTsa();
    t = await createTestContext({ env: { EVIDENCE_ANCHOR_FILE: anchorFile, TSA_URL: tsa.url } });
    f = await makeAttendanceFixture(t.db, { learners: 7 });
    const L = f.learners;
    const link = (personId: string) => withTenant(t.db, f.organisation.id, (trx) => createSigningLink(trx, { organisationId: f.organisation.id, sessionId: f.session.id, personId, expiresAt: new Date('2026-03-02T13:00:00Z'), publicUrl: 'http://localhost:3000' }));
    const ok = (res: { statusCode: number; body: string }, code = 200) => assert.equal(res.statusCode, code, res.body);

    // Two learners sign by link (one on time, one late), the trainer marks one absent and one present on their behalf, then signs.
    for (const [i, at] of [[0, '2026-03-02T07:50:00Z'], [1, '2026-03-02T08:10:00Z']] as const) {
      t.clock.set(at);
      const { token } = await link(L[i]!.id);
      const res = await t.request({ method: 'POST', url: url('/sign/link'), payload: { token, strokes: sampleStrokes(i + 1) } as never, headers: { 'user-agent': 'TestPhone/1.0' } });
      ok(res, 201);
      ids[`sig${i}`] = res.json().signatureId;
    }
    t.clock.set('2026-03-02T08:20:00Z');
    ok(await t.request({ method: 'PATCH', url: url(`/sessions/${f.session.id}/attendance/${L[2]!.id}`), as: f.as.trainer, payload: { status: 'absent', reason: 'no news this morning' } }));
    // Marked absent, then signs by link: the mark stays, the signature waits for the trainer (review pending).
    ok(await t.request({ method: 'PATCH', url: url(`/sessions/${f.session.id}/attendance/${L[6]!.id}`), as: f.as.trainer, payload: { status: 'absent' } }));
    t.clock.set('2026-03-02T08:22:00Z');
    const late = await t.request({ method: 'POST', url: url('/sign/link'), payload: { token: (await link(L[6]!.id)).token, strokes: sampleStrokes(6) } as never, headers: { 'user-agent': 'TestPhone/1.0' } });
    ok(late, 201);
    ids.sig6 = late.json().signatureId;
    t.clock.set('2026-03-02T08:25:00Z');
    ok(await t.request({ method: 'PATCH', url: url(`/sessions/${f.session.id}/attendance/${L[3]!.id}`), as: f.as.trainer, payload: { status: 'present', reason: 'signed on paper, phone flat' } }));
    t.clock.set('2026-03-02T08:30:00Z');
    ok(await t.request({ method: 'POST', url: url(`/sessions/${f.session.id}/trainer-signature`), as: f.as.trainer, payload: { strokes: sampleStrokes(9) } }), 201);
    // A second session with an open sheet: a learner's absence justified there (no amendment).
    const other = await makeSession(t.db, f.organisation.id, f.cohort.id, [f.trainer.id], '2026-03-02', '13:30', '17:00');
    await withTenant(t.db, f.organisation.id, (trx) => markExcused(trx, systemCtx(f.organisation.id), { sessionId: other.id, personId: L[5]!.id, justificationId: '00000000-0000-4000-8000-0000000000aa', now: t.clock.now() }));

    // Batch 1, then a sheet PDF that records it.
    t.clock.set('2026-03-02T08:40:00Z');
    ok(await t.request({ method: 'POST', url: url('/evidence/seal'), as: f.as.admin }));
    const pdf1 = await t.request({ method: 'GET', url: url(`/sessions/${f.session.id}/sheet.pdf`), as: f.as.manager });
    ok(pdf1);
    pdfBatch1 = join(dir, 'sheet-batch-1.pdf');
    writeFileSync(pdfBatch1, pdf1.rawPayload);

    // Lock (learners 4 and 5 pending → absent), an amendment, a justification accepted on the locked sheet.
    // The sheet locks once the trainer has decided on the late signature: rejected, the mark stands.
    t.clock.set('2026-03-02T11:34:00Z');
    ok(await t.request({ method: 'POST', url: url(`/sessions/${f.session.id}/attendance/${L[6]!.id}/review`), as: f.as.trainer, payload: { decision: 'reject', reason: 'not in the room, signed remotely' } }));
    t.clock.set('2026-03-02T11:35:00Z');
    ok(await t.request({ method: 'POST', url: url(`/sessions/${f.session.id}/lock`), as: f.as.trainer }));
    t.clock.set('2026-03-02T12:00:00Z');
    ok(await t.request({ method: 'POST', url: url(`/sessions/${f.session.id}/amendments`), as: f.as.manager, payload: { personId: L[4]!.id, status: 'late', lateMinutes: 20, reason: 'arrived at 9:20, forgot to sign' } }), 201);
    t.clock.set('2026-03-02T12:05:00Z');
    const manager = { ...systemCtx(f.organisation.id), actor: { kind: 'person' as const, organisationId: f.organisation.id, personId: f.manager.id, roles: ['manager' as const], method: 'password' as const, csrfToken: '' } };
    await withTenant(t.db, f.organisation.id, (trx) => markExcused(trx, manager, { sessionId: f.session.id, personId: L[5]!.id, justificationId: '00000000-0000-4000-8000-0000000000bb', now: t.clock.now() }));
    t.clock.set('2026-03-02T12:10:00Z');
    ok(await t.request({ method: 'POST', url: url('/evidence/seal'), as: f.as.admin }));
    const pdf2 = await t.request({ method: 'GET', url: url(`/sessions/${f.session.id}/sheet.pdf`), as: f.as.manager });
    ok(pdf2);
    pdfLatest = join(dir, 'sheet-latest.pdf');
    writeFileSync(pdfLatest, pdf2.rawPayload);
    // One more mark after the last seal: an unsealed entry (its row is checked all the same).
    t.clock.set('2026-03-02T12:20:00Z');
    await withTenant(t.db, f.organisation.id, (trx) => markExcused(trx, systemCtx(f.organisation.id), { sessionId: other.id, personId: L[4]!.id, justificationId: '00000000-0000-4000-8000-0000000000cc', now: t.clock.now() }));

    anchors = [...parseAnchorFile(readFileSync(anchorFile, 'utf8'), 'anchors.jsonl'), (await readPdfAnchor(readFileSync(pdfLatest), 'sheet-latest.pdf'))!];
    for (const table of TABLES) await sql`CREATE TABLE ${sql.raw(`snap_${table}`)} AS SELECT * FROM ${sql.raw(table)}`.execute(t.db);
  });
  after(async () => {
    await t?.close();
    await tsa?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('anchors: each batch in the anchor file, time-stamped by the TSA (openssl verifies the token), in the PDFs, and announced by webhook', async () => {
    const lines = parseAnchorFile(readFileSync(anchorFile, 'utf8'), 'anchors.jsonl');
    const batches = (await t.db.selectFrom('evidence_batches').selectAll().where('organisation_id', '=', f.organisation.id).orderBy('batch_number').execute()).map(toBatch);
    assert.equal(batches.length, 2);
    assert.deepEqual(lines.map((l) => [l.batchNumber, l.batchHash]), batches.map((b) => [b.batchNumber, b.batchHash]));
    const stamps = await t.db.selectFrom('evidence_anchors').selectAll().where('kind', '=', 'tsa').orderBy('batch_number').execute();
    assert.equal(stamps.length, 2);
    assert.equal(tsa.requests, 2);
    for (const [i, s] of stamps.entries()) {
      assert.equal(readTimeStampToken(s.token!).digest, batches[i]!.batchHash);
      assert.match(tsa.verify(Buffer.from(s.token!), batches[i]!.batchHash), /Verification: OK/);
      assert.throws(() => tsa.verify(Buffer.from(s.token!), batches[1 - i]!.batchHash), 'the token stamps its own batch only');
    }
    assert.equal((await readPdfAnchor(readFileSync(pdfBatch1), 'x'))!.batchHash, batches[0]!.batchHash);
    assert.equal((await readPdfAnchor(readFileSync(pdfLatest), 'x'))!.batchHash, batches[1]!.batchHash);
    // The sheet still passes its PAdES check with the anchor in its metadata.
    const pdfsig = spawnSync('pdfsig', [pdfLatest], { encoding: 'utf8' });
    assert.match(pdfsig.stdout, /Signature Validation: Signature is Valid/);
  });

  test('the webhook evidence.batch_sealed carries each batch', async () => {
    // A subscriber added now receives the next batch's root.
    const hook = await t.request({ method: 'POST', url: url('/webhooks'), as: f.as.admin, payload: { url: 'https://hooks.example.com/emarge', events: ['evidence.batch_sealed'] } });
    assert.equal(hook.statusCode, 201, hook.body);
    await withTenant(t.db, f.organisation.id, (trx) => markExcused(trx, systemCtx(f.organisation.id), { sessionId: f.session.id, personId: f.learners[2]!.id, justificationId: '00000000-0000-4000-8000-0000000000dd', now: t.clock.now() }));
    assert.equal((await t.request({ method: 'POST', url: url('/evidence/seal'), as: f.as.admin })).statusCode, 200);
    const batch = await t.db.selectFrom('evidence_batches').selectAll().where('organisation_id', '=', f.organisation.id).orderBy('batch_number', 'desc').executeTakeFirstOrThrow();
    const delivery = await t.db.selectFrom('webhook_deliveries').selectAll().where('event_type', '=', 'evidence.batch_sealed').executeTakeFirstOrThrow();
    const data = (delivery.payload as { data: Record<string, unknown> }).data;
    assert.equal(data.batchHash, batch.batch_hash);
    assert.equal(data.merkleRoot, batch.merkle_root);
    assert.equal(data.batchNumber, 3);
    const v = await verify([...anchors, ...parseAnchorFile(readFileSync(anchorFile, 'utf8'), 'anchors.jsonl')]);
    assert.equal(v.ok, true, JSON.stringify(v.problems));
    await restore();
    // The anchor file keeps batch 3, which the restored state no longer has: exactly what a rollback looks like.
    const rolled = await verify(parseAnchorFile(readFileSync(anchorFile, 'utf8'), 'anchors.jsonl'));
    assertNamed(rolled, { kind: 'anchor_missing_batch', batchNumber: 3 }, 'batch 3 gone');
    writeFileSync(anchorFile, readFileSync(anchorFile, 'utf8').split('\n').filter((l) => !l.includes('"batchNumber":3')).join('\n'));
  });

  test('a clean database verifies, after signings, marks, lock, amendment and justifications, with every anchor (use-case, CLI, API)', async () => {
    const kept = await t.db.selectFrom('attendance_records').select(['status', 'signature_id']).where('session_id', '=', f.session.id).where('person_id', '=', f.learners[6]!.id).executeTakeFirstOrThrow();
    assert.deepEqual(kept, { status: 'absent', signature_id: ids.sig6 }, 'the mark stays beside the later signature');
    const v = await verify();
    assert.equal(v.ok, true, JSON.stringify(v.problems, null, 1));
    assert.equal(v.checkedBatches, 2);
    assert.ok(v.checkedRows >= 6 + 2 + 3 + 2 + 2, `rows checked: ${v.checkedRows}`);
    assert.equal(v.checkedAnchors, 2 + 1 + 2); // file lines, the PDF, the time-stamp tokens
    const res = await cli('--org', f.organisation.slug, '--anchors', anchorFile, pdfBatch1, pdfLatest);
    assert.equal(res.code, 0, res.out);
    assert.match(res.out, /^OK \S+: \d+ sealed entries in 2 batches, 1 unsealed entries checked, \d+ rows matched their evidence, 6 anchors/m);
    const api = await t.request({ method: 'GET', url: url('/evidence/verify'), as: f.as.admin });
    assert.equal(api.statusCode, 200);
    assert.equal(api.json().ok, true, api.body);
  });

  // ---- The changes. Each runs on the restored state.

  test('1. an evidence payload edited: named by its entry; re-hashed: the chain breaks there', async () => {
    const entry = await entryOf({ type: 'attendance.signed', key: 'signatureId', value: ids.sig0! });
    await tamper((trx) => sql`UPDATE evidence_entries SET payload = jsonb_set(payload, '{ip}', '"203.0.113.9"') WHERE id = ${entry.id}`.execute(trx));
    assertNamed(await verify(), { kind: 'content_mismatch', entryId: entry.id }, 'payload edited');
    await restore();
    const edited = { ...toEntry(entry), payload: { ...(entry.payload as object), ip: '203.0.113.9' } } as ReturnType<typeof toEntry>;
    await tamper((trx) => sql`UPDATE evidence_entries SET payload = ${JSON.stringify(edited.payload)}::jsonb, content_hash = ${computeContentHash(edited)} WHERE id = ${entry.id}`.execute(trx));
    const v = await verify();
    assertNamed(v, { kind: 'chain_mismatch', entryId: entry.id }, 'payload edited and re-hashed');
    assert.equal(v.firstProblem!.entryId, entry.id);
    await restore();
    // The status in a signing entry, edited and re-hashed: the chain, and the record that no longer matches it.
    const status = { ...toEntry(entry), payload: { ...(entry.payload as object), status: 'late', lateMinutes: 31 } } as ReturnType<typeof toEntry>;
    await tamper((trx) => sql`UPDATE evidence_entries SET payload = ${JSON.stringify(status.payload)}::jsonb, content_hash = ${computeContentHash(status)} WHERE id = ${entry.id}`.execute(trx));
    const v2 = await verify();
    assertNamed(v2, { kind: 'chain_mismatch', entryId: entry.id }, 'status re-hashed (chain)');
    assertNamed(v2, { kind: 'fact_mismatch', table: 'attendance_records', fact: 'status', entryId: entry.id }, 'status re-hashed (row)');
    await restore();
  });

  test('2. an entry time changed: its entry, and the signing time of the record it proves', async () => {
    const entry = await entryOf({ type: 'attendance.signed', key: 'signatureId', value: ids.sig1! });
    await tamper((trx) => sql`UPDATE evidence_entries SET recorded_at = '2026-03-02T07:51:00.000Z' WHERE id = ${entry.id}`.execute(trx));
    const v = await verify();
    assertNamed(v, { kind: 'content_mismatch', entryId: entry.id }, 'time changed');
    assertNamed(v, { kind: 'fact_mismatch', table: 'attendance_records', fact: 'signedAt', entryId: entry.id }, 'time changed (row)');
    await restore();
  });

  test('3. an entry deleted in the middle: the gap is named', async () => {
    const mid = await t.db.selectFrom('evidence_entries').select(['id', 'seq']).where('organisation_id', '=', f.organisation.id).where('seq', '=', 3).executeTakeFirstOrThrow();
    await tamper((trx) => sql`DELETE FROM evidence_entries WHERE id = ${mid.id}`.execute(trx));
    const v = await verify();
    assertNamed(v, { kind: 'missing_entry', seq: 3 }, 'middle deletion');
    await restore();
  });

  test('4. entries deleted at the end (the last sealed one; the log truncated to batch 1): named against the batch, the anchor file and the PDF', async () => {
    const last = await t.db.selectFrom('evidence_entries').select(['id', 'seq']).where('organisation_id', '=', f.organisation.id).where('seq', 'is not', null).orderBy('seq', 'desc').executeTakeFirstOrThrow();
    await tamper((trx) => sql`DELETE FROM evidence_entries WHERE id = ${last.id}`.execute(trx));
    assertNamed(await verify([]), { kind: 'missing_entry', seq: Number(last.seq) }, 'end deletion');
    await restore();
    // Truncated: batch 2 and every entry after batch 1 removed; batch 1 intact, so the log alone looks whole.
    await tamper(async (trx) => {
      await sql`DELETE FROM evidence_entries WHERE organisation_id = ${f.organisation.id} AND (batch_number = 2 OR seq IS NULL)`.execute(trx);
      await sql`DELETE FROM evidence_batches WHERE organisation_id = ${f.organisation.id} AND batch_number = 2`.execute(trx);
      await sql`DELETE FROM evidence_anchors WHERE organisation_id = ${f.organisation.id} AND batch_number = 2`.execute(trx);
    });
    const file = parseAnchorFile(readFileSync(anchorFile, 'utf8'), 'anchors.jsonl');
    assertNamed(await verify(file), { kind: 'anchor_missing_batch', batchNumber: 2, source: 'anchors.jsonl line 2' }, 'truncated (anchor file)');
    const pdf = (await readPdfAnchor(readFileSync(pdfLatest), 'sheet-latest.pdf'))!;
    assertNamed(await verify([pdf]), { kind: 'anchor_missing_batch', batchNumber: 2, source: 'PDF sheet-latest.pdf' }, 'truncated (PDF)');
    // Without any anchor, the rows the deleted entries proved still give it away (the lock, the amendment).
    assertNamed(await verify([]), { table: 'attendance_sheets', fact: 'status', kind: 'fact_unproven' }, 'truncated (rows)');
    await restore();
  });

  test('5. a batch root rewritten (and its hashes recomputed): named by the batch, the anchors and the time-stamp token', async () => {
    const row = await t.db.selectFrom('evidence_batches').selectAll().where('organisation_id', '=', f.organisation.id).where('batch_number', '=', 1).executeTakeFirstOrThrow();
    const forged = { ...toBatch(row), merkleRoot: 'f'.repeat(64) };
    await tamper((trx) => sql`UPDATE evidence_batches SET merkle_root = ${forged.merkleRoot}, batch_hash = ${computeBatchHash(forged)} WHERE organisation_id = ${f.organisation.id} AND batch_number = 1`.execute(trx));
    const v = await verify();
    assertNamed(v, { kind: 'batch_mismatch', batchNumber: 1 }, 'root rewritten');
    assertNamed(v, { kind: 'anchor_mismatch', batchNumber: 1, source: 'anchors.jsonl line 1' }, 'root rewritten (anchor file)');
    assert.ok(v.problems.some((p) => p.kind === 'anchor_mismatch' && 'source' in p && p.source.startsWith('the RFC 3161 time-stamp token of batch 1')), 'root rewritten (TSA token)');
    await restore();
  });

  test('6. the seal rolled back (batches and anchors deleted, seq/chain cleared) and a payload then re-hashed: named by the anchor file, the PDF and the CLI', async () => {
    const entry = await entryOf({ type: 'attendance.signed', key: 'signatureId', value: ids.sig0! });
    const edited = { ...toEntry(entry), payload: { ...(entry.payload as object), ip: '198.51.100.7' } } as ReturnType<typeof toEntry>;
    await tamper(async (trx) => {
      await sql`DELETE FROM evidence_batches WHERE organisation_id = ${f.organisation.id}`.execute(trx);
      await sql`DELETE FROM evidence_anchors WHERE organisation_id = ${f.organisation.id}`.execute(trx);
      await sql`UPDATE evidence_entries SET seq = NULL, chain_hash = NULL, batch_number = NULL WHERE organisation_id = ${f.organisation.id}`.execute(trx);
      await sql`UPDATE evidence_entries SET payload = ${JSON.stringify(edited.payload)}::jsonb, content_hash = ${computeContentHash(edited)} WHERE id = ${entry.id}`.execute(trx);
    });
    const alone = await verify([]);
    assert.equal(alone.ok, true, 'without an anchor, a rolled-back log looks like one never sealed: what the anchors are for');
    assertNamed(await verify(parseAnchorFile(readFileSync(anchorFile, 'utf8'), 'anchors.jsonl')), { kind: 'anchor_missing_batch', batchNumber: 1 }, 'rollback (file)');
    assertNamed(await verify([(await readPdfAnchor(readFileSync(pdfBatch1), 'sheet-batch-1.pdf'))!]), { kind: 'anchor_missing_batch', batchNumber: 1, source: 'PDF sheet-batch-1.pdf' }, 'rollback (PDF of batch 1)');
    assert.equal((await cli('--org', f.organisation.slug)).code, 0, 'no anchor given: nothing to compare');
    const res = await cli('--org', f.organisation.slug, '--anchors', anchorFile, pdfLatest);
    assert.equal(res.code, 1, res.out);
    assert.match(res.out, /^TAMPERED \S+: batch 1 \([0-9a-f]{64}\), anchored in anchor file anchors\.jsonl line 1, is no longer in the database: the seal was rolled back/m);
    assert.match(res.out, /first batch that no longer matches: batch 1 anchored in anchor file anchors\.jsonl line 1 \[anchor_missing_batch\]/);
    if (TEST_DB_KIND === 'postgres') {
      // The real command, in its own process, against the same database.
      const name = (await sql<{ n: string }>`SELECT current_database() AS n`.execute(t.db)).rows[0]!.n;
      const databaseUrl = new URL(process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
      databaseUrl.pathname = `/${name}`;
      // The server's EVIDENCE_ANCHOR_FILE is the default anchor file.
      const run = spawnSync(join(ROOT, 'node_modules/.bin/node'), [join(ROOT, 'bin/emarge.js'), 'verify', '--org', f.organisation.slug, pdfLatest], { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl.toString(), EVIDENCE_ANCHOR_FILE: anchorFile, LOG_LEVEL: 'error' }, encoding: 'utf8' });
      assert.equal(run.status, 1, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout, /anchored in anchor file anchors\.jsonl line 1/);
    }
    await restore();
  });

  test('7. the PNG bytes of a signature replaced (hash column updated too): the signature row, fact png', async () => {
    const png = renderSignaturePng(sampleStrokes(7)).png;
    await tamper((trx) => sql`UPDATE signatures SET png = ${png}, png_sha256 = encode(sha256(${png}::bytea), 'hex') WHERE id = ${ids.sig0!}`.execute(trx));
    const v = await verify();
    assertNamed(v, { kind: 'fact_mismatch', table: 'signatures', rowId: ids.sig0, fact: 'png' }, 'png replaced');
    const signing = (await entryOf({ type: 'attendance.signed', key: 'signatureId', value: ids.sig0! })).id;
    assert.equal((find(v.problems, { fact: 'png' }) as VerificationProblem).entryId, signing);
    // The API names the same row, fact and entry.
    const api = (await t.request({ method: 'GET', url: url('/evidence/verify'), as: f.as.admin })).json();
    assert.equal(api.ok, false);
    assert.deepEqual({ ...api.firstProblem, message: undefined }, { kind: 'fact_mismatch', table: 'signatures', rowId: ids.sig0, fact: 'png', entryId: signing, seq: api.firstProblem.seq, batchNumber: 1, message: undefined });
    const printed = await cli('--org', f.organisation.slug);
    assert.equal(printed.code, 1);
    assert.match(printed.out, new RegExp(`first fact that no longer matches: signatures ${ids.sig0}, fact png; entry ${signing}`));
    await restore();
  });

  test('8. the strokes of a signature replaced (hash column updated too): fact strokes', async () => {
    const r = renderSignaturePng(sampleStrokes(7));
    await tamper((trx) => sql`UPDATE signatures SET strokes = ${r.strokesJson}::jsonb, strokes_sha256 = ${r.strokesSha256} WHERE id = ${ids.sig1!}`.execute(trx));
    assertNamed(await verify(), { kind: 'fact_mismatch', table: 'signatures', rowId: ids.sig1, fact: 'strokes' }, 'strokes replaced');
    await restore();
  });

  test('9. a signature moved to another person (and its record with it): fact signer', async () => {
    const target = f.learners[2]!.id;
    await tamper(async (trx) => {
      await sql`UPDATE signatures SET person_id = ${target} WHERE id = ${ids.sig0!}`.execute(trx);
      await sql`UPDATE attendance_records SET signature_id = ${ids.sig0!}, status = 'present', signed_at = '2026-03-02T07:50:00Z', method = 'link' WHERE session_id = ${f.session.id} AND person_id = ${target}`.execute(trx);
      await sql`UPDATE attendance_records SET signature_id = NULL, status = 'absent' WHERE session_id = ${f.session.id} AND person_id = ${f.learners[0]!.id}`.execute(trx);
    });
    const v = await verify();
    assertNamed(v, { kind: 'fact_mismatch', table: 'signatures', rowId: ids.sig0, fact: 'signer' }, 'signature moved');
    assertNamed(v, { kind: 'fact_mismatch', table: 'attendance_records', fact: 'status' }, 'records rewritten with it');
    await restore();
  });

  test("10. a signature swapped with another signer's (PNG, strokes and their hashes): both rows, facts png and strokes", async () => {
    await tamper(async (trx) => {
      await sql`
        UPDATE signatures s SET png = o.png, png_sha256 = o.png_sha256, strokes = o.strokes, strokes_sha256 = o.strokes_sha256
          FROM signatures o WHERE (s.id, o.id) IN ((${ids.sig0!}::uuid, ${ids.sig1!}::uuid), (${ids.sig1!}::uuid, ${ids.sig0!}::uuid))`.execute(trx);
    });
    const v = await verify();
    for (const id of [ids.sig0, ids.sig1]) {
      assertNamed(v, { kind: 'fact_mismatch', table: 'signatures', rowId: id, fact: 'png' }, `swap ${id} png`);
      assertNamed(v, { kind: 'fact_mismatch', table: 'signatures', rowId: id, fact: 'strokes' }, `swap ${id} strokes`);
    }
    await restore();
  });

  test("11. an attendance record's status rewritten: the record, fact status, the trainer's mark that set it", async () => {
    const record = await t.db.selectFrom('attendance_records').select('id').where('session_id', '=', f.session.id).where('person_id', '=', f.learners[2]!.id).executeTakeFirstOrThrow();
    await sql`UPDATE attendance_records SET status = 'present' WHERE id = ${record.id}`.execute(t.db); // no trigger to disable
    const mark = await entryOf({ type: 'attendance.marked', key: 'person', value: f.learners[2]!.id });
    assertNamed(await verify(), { kind: 'fact_mismatch', table: 'attendance_records', rowId: record.id, fact: 'status', entryId: mark.id }, 'status rewritten');
    await restore();
    // The learner who signed late made punctual.
    const late = await t.db.selectFrom('attendance_records').select('id').where('session_id', '=', f.session.id).where('person_id', '=', f.learners[1]!.id).executeTakeFirstOrThrow();
    await tamper((trx) => sql`UPDATE attendance_records SET status = 'present', late_minutes = NULL WHERE id = ${late.id}`.execute(trx));
    const v = await verify();
    assertNamed(v, { table: 'attendance_records', rowId: late.id, fact: 'status' }, 'late → present');
    assertNamed(v, { table: 'attendance_records', rowId: late.id, fact: 'lateMinutes' }, 'late minutes cleared');
    await restore();
    // The learner marked absent who signed later, turned into "late 21 min" by hand: named against the trainer's rejection that kept the mark.
    const kept = await t.db.selectFrom('attendance_records').select('id').where('session_id', '=', f.session.id).where('person_id', '=', f.learners[6]!.id).executeTakeFirstOrThrow();
    const signing = await entryOf({ type: 'attendance.signature_reviewed', key: 'personId', value: f.learners[6]!.id });
    await tamper((trx) => sql`UPDATE attendance_records SET status = 'late', late_minutes = 21 WHERE id = ${kept.id}`.execute(trx));
    assertNamed(await verify(), { kind: 'fact_mismatch', table: 'attendance_records', rowId: kept.id, fact: 'status', entryId: signing.id }, 'absent → late');
    await restore();
  });

  test("12. a trainer's mark and its reason rewritten: facts status and reason", async () => {
    const record = await t.db.selectFrom('attendance_records').select('id').where('session_id', '=', f.session.id).where('person_id', '=', f.learners[3]!.id).executeTakeFirstOrThrow();
    const mark = await entryOf({ type: 'attendance.marked', key: 'person', value: f.learners[3]!.id });
    await tamper((trx) => sql`UPDATE attendance_records SET reason = 'was there all morning' WHERE id = ${record.id}`.execute(trx));
    assertNamed(await verify(), { kind: 'fact_mismatch', table: 'attendance_records', rowId: record.id, fact: 'reason', entryId: mark.id }, 'reason rewritten');
    await restore();
    await tamper((trx) => sql`UPDATE attendance_records SET status = 'left_early', left_at = '2026-03-02T10:00:00Z' WHERE id = ${record.id}`.execute(trx));
    const v = await verify();
    assertNamed(v, { table: 'attendance_records', rowId: record.id, fact: 'status', entryId: mark.id }, 'mark rewritten');
    assertNamed(v, { table: 'attendance_records', rowId: record.id, fact: 'leftAt', entryId: mark.id }, 'time left invented');
    await restore();
  });

  test('13. an amendment rewritten (its reason; its before/after): the amendment row, facts reason and changes', async () => {
    const amendment = await t.db.selectFrom('attendance_amendments').selectAll().where('session_id', '=', f.session.id).where('version', '=', 2).executeTakeFirstOrThrow();
    await tamper((trx) => sql`UPDATE attendance_amendments SET reason = 'requested by the funder' WHERE id = ${amendment.id}`.execute(trx));
    assertNamed(await verify(), { kind: 'fact_mismatch', table: 'attendance_amendments', rowId: amendment.id, fact: 'reason' }, 'amendment reason');
    await restore();
    await tamper((trx) => sql`UPDATE attendance_amendments SET changes = jsonb_set(changes, '{after,lateMinutes}', '5') WHERE id = ${amendment.id}`.execute(trx));
    assertNamed(await verify(), { kind: 'fact_mismatch', table: 'attendance_amendments', rowId: amendment.id, fact: 'changes' }, 'amendment changes');
    await restore();
    // And the record it amended, rewritten back: named against the amendment's entry.
    await tamper((trx) => sql`UPDATE attendance_records SET status = 'absent', late_minutes = NULL WHERE session_id = ${f.session.id} AND person_id = ${f.learners[4]!.id}`.execute(trx));
    assertNamed(await verify(), { kind: 'fact_mismatch', table: 'attendance_records', fact: 'status' }, 'amended record rewritten');
    await restore();
  });

  test('a certificate and a weekly sheet issued after batch 2 record it too; verify checks them (and refuses what is not an anchor, exit 2)', async () => {
    const cert = await t.request({ method: 'GET', url: url(`/people/${f.learner.id}/certificates/${f.program.id}.pdf`), as: f.as.manager });
    assert.equal(cert.statusCode, 200, cert.body);
    const certFile = join(dir, 'certificate.pdf');
    writeFileSync(certFile, cert.rawPayload);
    const weekly = await t.request({ method: 'GET', url: url(`/cohorts/${f.cohort.id}/weekly-sheet.pdf?week=2026-W10`), as: f.as.manager });
    assert.equal(weekly.statusCode, 200, weekly.body);
    writeFileSync(join(dir, 'weekly.pdf'), weekly.rawPayload);
    const files = [certFile, join(dir, 'weekly.pdf')];
    for (const file of files) assert.equal((await readPdfAnchor(readFileSync(file), 'x'))!.batchNumber, 2, file);
    assert.equal((await cli('--org', f.organisation.slug, ...files)).code, 0);
    await tamper((trx) => sql`DELETE FROM evidence_batches WHERE organisation_id = ${f.organisation.id} AND batch_number = 2`.execute(trx));
    const res = await cli('--org', f.organisation.slug, certFile);
    assert.equal(res.code, 1, res.out);
    assert.match(res.out, /batch 2 \[missing_batch\]/);
    assertNamed(await verify([(await readPdfAnchor(readFileSync(certFile), 'certificate.pdf'))!]), { kind: 'anchor_missing_batch', batchNumber: 2, source: 'PDF certificate.pdf' }, 'batch 2 deleted (certificate)');
    await restore();

    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"organisationId":"x"}\n');
    const err: string[] = [];
    const error = console.error;
    console.error = (...a: unknown[]) => void err.push(a.join(' '));
    try {
      assert.equal((await cli('--anchors', bad)).code, 2);
      writeFileSync(bad, 'not a pdf');
      assert.equal((await cli(bad)).code, 2);
    } finally {
      console.error = error;
    }
    assert.match(err.join('\n'), /bad\.jsonl line 1 is not an evidence anchor/);
    assert.match(err.join('\n'), /Cannot read .*bad\.jsonl as a PDF/);
  });

  test('an authority that does not answer: the seal commits, the batch is time-stamped at the next run', async () => {
    const { sealEvidence } = await import('./seal-evidence.ts');
    await withTenant(t.db, f.organisation.id, (trx) => markExcused(trx, systemCtx(f.organisation.id), { sessionId: f.session.id, personId: f.learners[2]!.id, justificationId: '00000000-0000-4000-8000-0000000000ee', now: t.clock.now() }));
    const down = await sealEvidence(t.db, t.clock, f.organisation.id, { file: null, tsaUrl: 'http://127.0.0.1:9/tsa' });
    assert.equal(down.batches, 1);
    assert.equal(down.anchored, 0);
    assert.match(down.anchorErrors[0]!, /^batch 3 \(tsa\)/);
    const before = tsa.requests;
    const up = await sealEvidence(t.db, t.clock, f.organisation.id, { file: null, tsaUrl: tsa.url });
    assert.deepEqual([up.batches, up.anchored, tsa.requests - before], [0, 1, 1]);
    const batch3 = await t.db.selectFrom('evidence_batches').select('batch_hash').where('organisation_id', '=', f.organisation.id).where('batch_number', '=', 3).executeTakeFirstOrThrow();
    const token = await t.db.selectFrom('evidence_anchors').select('token').where('batch_number', '=', 3).where('kind', '=', 'tsa').executeTakeFirstOrThrow();
    assert.match(tsa.verify(Buffer.from(token.token!), batch3.batch_hash), /Verification: OK/);
    await restore();
  });

  test('the sheet lock: unlocked by hand, or its lock time changed, is named', async () => {
    await tamper((trx) => sql`UPDATE attendance_sheets SET status = 'open', locked_at = NULL, locked_by = NULL WHERE session_id = ${f.session.id}`.execute(trx));
    assertNamed(await verify(), { kind: 'fact_mismatch', table: 'attendance_sheets', rowId: f.session.id, fact: 'status' }, 'unlocked');
    await restore();
    assert.equal((await verify()).ok, true, 'restored');
  });
});
