/**
 * bench:documents — time to produce sealed documents, each beside the same
 * document unsealed in the same run (the difference is the cost of the PAdES
 * seal and its registration):
 *   - one weekly sheet of a 30-learner cohort (10 half-days, 330 signatures);
 *   - a batch of 300 certificates (the export job, ZIP included).
 *
 *   npm run bench:documents -- --json FILE [--runs 5]
 *   (EMARGE_TEST_DB=postgres for the PostgreSQL server; PGlite in memory by default)
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { createTestDatabase, TEST_DB_KIND } from '../test/database.ts';
import { makeAttendanceFixture, makeSession } from '../src/modules/attendance/attendance-test-fixtures.ts';
import { ensureSheet } from '../src/modules/attendance/ensure-sheet.ts';
import { addDaysToDate } from '../src/modules/catalogue/session-time.ts';
import { makePerson } from '../test/factories.ts';
import { signRecord } from '../src/modules/documents/documents-test-support.ts';
import { getWeeklySheetPdf } from '../src/modules/documents/get-weekly-sheet-pdf.ts';
import { findCohortSessions, getOrganisationInfo } from '../src/modules/documents/documents.repository.ts';
import { loadEvidenceAnchor, loadSessionSheets } from '../src/modules/documents/sheet-data.ts';
import { renderWeeklySheet } from '../src/modules/documents/render-weekly-sheet.ts';
import { docLocale } from '../src/modules/documents/document-format.ts';
import { getOrCreateSealKey } from '../src/modules/documents/seal-key.ts';
import { buildCertificate } from '../src/modules/documents/produce-certificate.ts';
import { runExport } from '../src/modules/documents/run-export-job.ts';
import { withTenant } from '../src/platform/db/tenant.ts';
import { systemCtx } from '../src/platform/auth/actor.ts';
import { FixedClock } from '../src/platform/clock.ts';

const { values: args } = parseArgs({ options: { json: { type: 'string' }, runs: { type: 'string', default: '5' } } });
const RUNS = Number(args.runs);
const PUBLIC_URL = 'http://localhost:3000';
const clock = new FixedClock('2026-03-07T12:00:00Z');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const value = await fn();
  return [performance.now() - start, value];
}

const database = await createTestDatabase();
const { db } = database;
try {
  // --- 30-learner cohort, a full week signed ---------------------------------
  const f = await makeAttendanceFixture(db, { learners: 30 });
  const org = f.organisation.id;
  const sessions = [f.session];
  for (let d = 0; d < 5; d++) {
    const date = addDaysToDate('2026-03-02', d);
    if (d > 0) sessions.push(await makeSession(db, org, f.cohort.id, [f.trainer.id], date, '09:00', '12:30'));
    sessions.push(await makeSession(db, org, f.cohort.id, [f.trainer.id], date, '13:30', '17:00'));
  }
  let seed = 0;
  for (const s of sessions) {
    const start = new Date(s.starts_at).getTime();
    await signRecord(db, org, s.id, f.trainer.id, { status: 'present', role: 'trainer', at: new Date(start - 300_000), method: 'sign_in', seed: seed++ });
    for (const [i, l] of f.learners.entries()) await signRecord(db, org, s.id, l.id, { status: 'present', at: new Date(start + i * 1000), seed: seed++ });
  }
  const ctx = systemCtx(org);
  await withTenant(db, org, async (trx) => getOrCreateSealKey(trx, org, f.organisation.name)); // key generation is once per organisation, not measured
  const weeklySealed: number[] = [];
  const weeklyUnsealed: number[] = [];
  let weeklyBytes = 0;
  for (let r = 0; r < RUNS; r++) {
    const [ms, doc] = await timed(() => getWeeklySheetPdf(db, ctx, f.cohort.id, { week: '2026-W10' }, { clock, publicUrl: PUBLIC_URL }));
    weeklySealed.push(ms);
    weeklyBytes = doc.pdf.length;
    // Reference: the same load and render, without seal nor registration.
    const [ref] = await timed(() =>
      withTenant(db, org, async (trx) => {
        const organisation = await getOrganisationInfo(trx, org);
        const rows = await findCohortSessions(trx, f.cohort.id, '2026-03-02', '2026-03-06');
        for (const s of rows) await ensureSheet(trx, s.id);
        const sheets = [...(await loadSessionSheets(trx, rows)).values()];
        const learners = f.learners.map((l) => ({ id: l.id, name: `${l.family_name.toUpperCase()} ${l.given_name}` }));
        return renderWeeklySheet({
          organisation, locale: docLocale(organisation.locale), cohort: { name: 'Cohorte Mars', program_title: 'Programme Sécurité', program_code: null, funder: null, funding_reference: null },
          week: '2026-W10', monday: '2026-03-02', sheets, learners, verificationCode: 'BENCH00000', verifyUrl: `${PUBLIC_URL}/verify/BENCH00000`, anchor: await loadEvidenceAnchor(trx), issuedAt: clock.now(),
        });
      }),
    );
    weeklyUnsealed.push(ref);
  }

  // --- 300 certificates -------------------------------------------------------
  const extra = [];
  for (let i = 0; i < 270; i++) extra.push(await makePerson(db, org, ['learner'], { givenName: `Bench${i}`, familyName: `Learner ${i}` }));
  await db.insertInto('enrolments').values(extra.map((p) => ({ organisation_id: org, cohort_id: f.cohort.id, person_id: p.id }))).execute();
  await withTenant(db, org, async (trx) => {
    for (const s of sessions) await ensureSheet(trx, s.id);
    await trx.updateTable('attendance_records').set({ status: 'present' }).where('status', '=', 'pending').where('role', '=', 'learner').execute();
  });
  const learnerIds = [...f.learners, ...extra].map((p) => p.id);
  const [batchMs, result] = await timed(() => runExport(db, { organisationId: org, cohortId: f.cohort.id, kind: 'certificates', requestedBy: null }, { jobId: 1, progress: async () => {} }, { clock, publicUrl: PUBLIC_URL }));
  const [refMs] = await timed(async () => {
    const organisation = await withTenant(db, org, (trx) => getOrganisationInfo(trx, org));
    const seal = await withTenant(db, org, (trx) => getOrCreateSealKey(trx, org, organisation.name));
    let bytes = 0;
    for (const personId of learnerIds) {
      const built = await withTenant(db, org, (trx) => buildCertificate(trx, { organisation, seal, personId, programId: f.program.id, publicUrl: PUBLIC_URL, issuedAt: clock.now() }));
      bytes += built?.unsealed.length ?? 0;
    }
    return bytes;
  });

  const out = {
    bench: 'documents',
    database: TEST_DB_KIND,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
    runs: RUNS,
    weeklySheet30Learners: {
      sealedMedianMs: Math.round(median(weeklySealed)),
      unsealedMedianMs: Math.round(median(weeklyUnsealed)),
      sealCostMs: Math.round(median(weeklySealed) - median(weeklyUnsealed)),
      sealedRunsMs: weeklySealed.map(Math.round),
      unsealedRunsMs: weeklyUnsealed.map(Math.round),
      pdfBytes: weeklyBytes,
    },
    certificates300: {
      count: result.entries,
      batchMs: Math.round(batchMs),
      perCertificateMs: Math.round((batchMs / result.entries) * 10) / 10,
      unsealedReferenceMs: Math.round(refMs),
      zipBytes: result.sizeBytes,
    },
  };
  console.log(JSON.stringify(out, null, 2));
  if (args.json) writeFileSync(args.json, `${JSON.stringify(out, null, 2)}\n`);
} finally {
  await db.destroy().catch(() => {});
  await database.drop().catch(() => {});
}
