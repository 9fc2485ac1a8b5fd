import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { unzipSync } from 'fflate';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { JobRunner } from '../../platform/jobs/job-queue.ts';
import { makeAttendanceFixture, makeSession } from '../attendance/attendance-test-fixtures.ts';
import { assertSealValid, signRecord, writeTemp } from './documents-test-support.ts';
import { documentsJobHandlers } from './run-export-job.ts';

describe('batch export of sealed documents as a ZIP (background job)', () => {
  let t: TestContext;
  let f: Awaited<ReturnType<typeof makeAttendanceFixture>>;
  let runner: JobRunner;
  const progressSeen: Array<{ done: number; total: number }> = [];

  before(async () => {
    t = await createTestContext();
    f = await makeAttendanceFixture(t.db, { learners: 3 });
    const org = f.organisation.id;
    await t.db.updateTable('people').set({ given_name: 'Léa', family_name: 'Lefèvre 王' }).where('id', '=', f.learner.id).execute();
    await t.db.updateTable('cohorts').set({ name: 'Cohorte Été' }).where('id', '=', f.cohort.id).execute();
    const pm = await makeSession(t.db, org, f.cohort.id, [f.trainer.id], '2026-03-02', '13:30', '17:00');
    const tue = await makeSession(t.db, org, f.cohort.id, [f.trainer.id], '2026-03-03', '09:00', '12:30');
    for (const s of [f.session, pm, tue]) {
      for (const [i, l] of f.learners.entries()) await signRecord(t.db, org, s.id, l.id, { status: i === 2 ? 'absent' : 'present', at: new Date(new Date(s.starts_at).getTime() + 60_000) });
    }
    const handlers = documentsJobHandlers({ db: t.db, clock: t.clock, config: t.config });
    // Watch progress as the job reports it.
    const inner = handlers['documents.export']!;
    runner = new JobRunner({
      db: t.db,
      clock: t.clock,
      handlers: {
        'documents.export': (payload, ctx) => inner(payload, { ...ctx, progress: async (p) => { progressSeen.push(p as never); await ctx.progress(p); } }),
      },
    });
  });
  after(() => t.close());

  async function exportAndDownload(kind: 'sheets' | 'certificates') {
    progressSeen.length = 0;
    const res = await t.request({ method: 'POST', url: `/api/v1/cohorts/${f.cohort.id}/certificates/export`, as: f.as.manager, payload: { kind } });
    assert.equal(res.statusCode, 202, res.body);
    const { jobId } = res.json();
    const queued = await t.request({ method: 'GET', url: `/api/v1/jobs/${jobId}`, as: f.as.manager });
    assert.equal(queued.json().status, 'queued');
    const early = await t.request({ method: 'GET', url: `/api/v1/exports/${jobId}.zip`, as: f.as.manager });
    assert.equal(early.statusCode, 409);
    assert.equal(early.json().code, 'export_not_ready');
    assert.equal(await runner.runDue(), 1);
    const job = (await t.request({ method: 'GET', url: `/api/v1/jobs/${jobId}`, as: f.as.admin })).json();
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.deepEqual(job.progress, { done: 3, total: 3 });
    assert.deepEqual(progressSeen.map((p) => p.done), [0, 1, 2, 3]);
    const zip = await t.request({ method: 'GET', url: `/api/v1/exports/${jobId}.zip`, as: f.as.admin });
    assert.equal(zip.statusCode, 200);
    assert.equal(zip.headers['content-type'], 'application/zip');
    // An independent unzip reads it, then each entry is a sealed PDF that pdfsig validates.
    const listing = spawnSync('unzip', ['-t', writeTemp(zip.rawPayload, 'export.zip')], { encoding: 'utf8' });
    assert.equal(listing.status, 0, listing.stdout + listing.stderr);
    const entries = unzipSync(new Uint8Array(zip.rawPayload));
    assert.equal(Object.keys(entries).length, 3);
    for (const [name, bytes] of Object.entries(entries)) {
      assert.match(name, /\.pdf$/);
      assertSealValid(bytes, name);
    }
    // Names keep their letters: UTF-8 in the ZIP with the language-encoding flag (bit 11) set on each non-ASCII one.
    const raw = zip.rawPayload;
    let seen = 0;
    for (let at = raw.indexOf('PK\x03\x04', 0, 'latin1'); at >= 0; at = raw.indexOf('PK\x03\x04', at + 4, 'latin1')) {
      const flags = raw.readUInt16LE(at + 6);
      const name = raw.subarray(at + 30, at + 30 + raw.readUInt16LE(at + 26)).toString('utf8');
      if (!(name in entries)) continue;
      seen++;
      if (/[^\x20-\x7e]/.test(name)) assert.ok(flags & 0x800, `${name}: UTF-8 flag not set`);
    }
    assert.equal(seen, Object.keys(entries).length);
    const disposition = String(zip.headers['content-disposition']);
    assert.match(disposition, /^attachment; filename="(feuilles|certificats)-cohorte-ete-\d+\.zip"; filename\*=UTF-8''/);
    assert.match(decodeURIComponent(disposition.split("UTF-8''")[1]!), /^(feuilles|certificats)-cohorte-été-\d+\.zip$/);
    return { jobId, entries };
  }

  test('sheets: one sealed sheet per session, progress reaching the total', async () => {
    const { entries } = await exportAndDownload('sheets');
    assert.ok(Object.keys(entries).every((n) => n.startsWith('feuille-2026-03-0')));
    assert.equal((await t.db.selectFrom('issued_documents').select('id').where('kind', '=', 'session_sheet').execute()).length, 3);
  });

  test('certificates: one per learner', async () => {
    const { entries } = await exportAndDownload('certificates');
    assert.ok(Object.keys(entries).every((n) => n.startsWith('certificat-')));
    assert.ok(Object.keys(entries).some((n) => n.startsWith('certificat-lefèvre-王-léa-')), Object.keys(entries).join(', '));
  });

  test('staff only; bad kind 400; unknown cohort and job 404', async () => {
    assert.equal((await t.request({ method: 'POST', url: `/api/v1/cohorts/${f.cohort.id}/certificates/export`, as: f.as.trainer, payload: { kind: 'sheets' } })).statusCode, 403);
    assert.equal((await t.request({ method: 'POST', url: `/api/v1/cohorts/${f.cohort.id}/certificates/export`, as: f.as.manager, payload: { kind: 'pdfs' } })).statusCode, 400);
    assert.equal((await t.request({ method: 'POST', url: `/api/v1/cohorts/00000000-0000-4000-8000-000000000000/certificates/export`, as: f.as.manager, payload: { kind: 'sheets' } })).statusCode, 404);
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/jobs/999999', as: f.as.manager })).statusCode, 404);
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/exports/999999.zip', as: f.as.manager })).statusCode, 404);
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/jobs/1', as: f.as.learner })).statusCode, 403);
  });
});
