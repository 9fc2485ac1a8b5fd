import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../../test/database.ts';
import { FixedClock } from '../clock.ts';
import { withSystem } from '../db/tenant.ts';
import { enqueueJob, getJob, JobRunner } from './job-queue.ts';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
});
after(() => t.drop());

test('a job enqueued in a rolled-back transaction never runs; a committed one runs once with progress', async () => {
  const clock = new FixedClock('2026-03-02T08:00:00Z');
  const seen: unknown[] = [];
  const runner = new JobRunner({
    db: t.db,
    clock,
    handlers: {
      count: async (payload, ctx) => {
        seen.push(payload);
        await ctx.progress({ done: 1, total: 1 });
        return { ok: true };
      },
    },
  });
  await assert.rejects(
    withSystem(t.db, async (trx) => {
      await enqueueJob(trx, 'count', { n: 'rolled back' }, { runAt: clock.now() });
      throw new Error('abort');
    }),
  );
  const id = await withSystem(t.db, (trx) => enqueueJob(trx, 'count', { n: 1 }, { runAt: clock.now() }));
  assert.equal(await runner.runDue(), 1);
  assert.equal(await runner.runDue(), 0);
  assert.deepEqual(seen, [{ n: 1 }]);
  const job = await getJob(t.db, id);
  assert.equal(job?.status, 'done');
  assert.deepEqual(job?.progress, { done: 1, total: 1 });
  assert.deepEqual(job?.result, { ok: true });
});

test('failures retry with exponential backoff, then fail for good with the error kept', async () => {
  const clock = new FixedClock('2026-03-02T08:00:00Z');
  let calls = 0;
  const runner = new JobRunner({
    db: t.db,
    clock,
    backoffMs: 1_000,
    handlers: {
      flaky: async () => {
        calls++;
        throw new Error(`boom ${calls}`);
      },
    },
  });
  const id = await enqueueJob(t.db, 'flaky', {}, { maxAttempts: 3, runAt: clock.now() });
  assert.equal(await runner.runDue(), 1);
  assert.equal(await runner.runDue(), 0, 'not due before its backoff');
  clock.advance(1_000);
  assert.equal(await runner.runDue(), 1);
  clock.advance(1_999);
  assert.equal(await runner.runDue(), 0);
  clock.advance(1);
  assert.equal(await runner.runDue(), 1);
  const job = await getJob(t.db, id);
  assert.equal(job?.status, 'failed');
  assert.equal(job?.attempts, 3);
  assert.equal(job?.last_error, 'boom 3');
});

test('a job left running by a dead worker is reclaimed after it goes stale', async () => {
  const clock = new FixedClock('2026-03-02T09:00:00Z');
  const id = await enqueueJob(t.db, 'stale', {}, { runAt: clock.now() });
  await t.db.updateTable('jobs').set({ status: 'running', locked_at: clock.now(), locked_by: 'dead', attempts: 1 }).where('id', '=', id).execute();
  let ran = 0;
  const runner = new JobRunner({ db: t.db, clock, staleAfterMs: 60_000, handlers: { stale: async () => void ran++ } });
  assert.equal(await runner.runDue(), 0);
  clock.advance(60_001);
  assert.equal(await runner.runDue(), 1);
  assert.equal(ran, 1);
  assert.equal((await getJob(t.db, id))?.status, 'done');
});
