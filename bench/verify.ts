/**
 * bench:verify — how `emarge verify` scales with the log (issue 12): N learners each with a signature (real
 * strokes and server-rendered PNG), its attendance record and its signing entry, sealed, then verify (chain,
 * batches, and every row re-hashed and checked against its entry), on PGlite and PostgreSQL, for each N.
 * Linear means ms per signature stays flat as N grows.
 *
 *   npm run bench:verify -- --json FILE [--sizes 5000,20000] [--db pglite,postgres]
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { makeAttendanceFixture, sampleStrokes } from '../src/modules/attendance/attendance-test-fixtures.ts';
import { prepareEvidence } from '../src/modules/attendance/append-evidence.ts';
import { sealEvidence } from '../src/modules/attendance/seal-evidence.ts';
import { renderSignaturePng } from '../src/modules/attendance/signature-strokes.ts';
import { verifyEvidence } from '../src/modules/attendance/verify-evidence.ts';
import { FixedClock } from '../src/platform/clock.ts';
import { migrateOrThrow } from '../src/platform/db/migrate.ts';
import { createBenchDatabase } from './bench-database.ts';

const { values: args } = parseArgs({ options: { json: { type: 'string' }, sizes: { type: 'string', default: '5000,20000' }, db: { type: 'string', default: 'pglite,postgres' } } });
const sizes = args.sizes.split(',').map(Number);
const kinds = args.db.split(',') as ('pglite' | 'postgres')[];
const CHUNK = 500;

async function runOne(kind: 'pglite' | 'postgres', n: number) {
  const bench = await createBenchDatabase(kind, { name: 'verify', poolSize: 4 });
  try {
    const db = bench.db;
    await migrateOrThrow(db);
    const f = await makeAttendanceFixture(db, { learners: 1 });
    const org = f.organisation.id;
    const now = new Date('2026-03-02T07:50:00Z');
    for (let i = 0; i < n; i += CHUNK) {
      const size = Math.min(CHUNK, n - i);
      const people = await db.insertInto('people').values(Array.from({ length: size }, (_, k) => ({ organisation_id: org, given_name: 'Learner', family_name: String(i + k), email: `l${i + k}@bench.test` })) as never).returning('id').execute();
      const rows = people.map((p, k) => ({ personId: p.id, signatureId: randomUUID(), rendered: renderSignaturePng(sampleStrokes(i + k)) }));
      await db.insertInto('signatures').values(rows.map((r) => ({ organisation_id: org, id: r.signatureId, session_id: f.session.id, person_id: r.personId, strokes: r.rendered.strokesJson, strokes_sha256: r.rendered.strokesSha256, png: r.rendered.png, png_sha256: r.rendered.pngSha256 })) as never).execute();
      await db.insertInto('attendance_records').values(rows.map((r) => ({ organisation_id: org, session_id: f.session.id, person_id: r.personId, role: 'learner', status: 'present', signed_at: now, method: 'link', signature_id: r.signatureId })) as never).execute();
      await db.insertInto('evidence_entries').values(rows.map((r) => {
        const e = prepareEvidence(org, { type: 'attendance.signed', recordedAt: now, payload: { sessionId: f.session.id, signer: { id: r.personId }, role: 'learner', method: 'link', signatureId: r.signatureId, pngSha256: r.rendered.pngSha256, strokesSha256: r.rendered.strokesSha256, status: 'present', lateMinutes: null } });
        return { organisation_id: org, id: e.id, type: e.type, recorded_at: e.recordedAt, payload: e.payloadJson, content_hash: e.contentHash };
      }) as never).execute();
    }
    await sealEvidence(db, new FixedClock('2026-03-02T08:00:00Z'), org);
    const runs: number[] = [];
    let checked = 0;
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      const v = await verifyEvidence(db, org);
      runs.push(performance.now() - t0);
      if (!v.ok) throw new Error(`verify failed: ${v.firstProblem?.message}`);
      checked = v.checkedRows;
    }
    const ms = Math.min(...runs);
    return { db: kind, signatures: n, rowsChecked: checked, verifyMs: Math.round(ms), usPerSignature: Math.round((ms * 1000) / n) };
  } finally {
    await bench.dispose();
  }
}

const results = [];
for (const kind of kinds) {
  for (const n of sizes) {
    const r = await runOne(kind, n);
    console.log(JSON.stringify(r));
    results.push(r);
  }
}
const out = { bench: 'verify', cpus: cpus().length, node: process.version, results };
if (args.json) writeFileSync(args.json, `${JSON.stringify(out, null, 2)}\n`);
