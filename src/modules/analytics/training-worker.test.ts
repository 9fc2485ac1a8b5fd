import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type AuthHeaders, type TestContext } from '../../../test/context.ts';
import { makeOrganisationWithStaff, sessionHeaders } from '../../../test/factories.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { JobRunner } from '../../platform/jobs/job-queue.ts';
import { seedDemo } from '../demo/seed-demo.ts';
import { analyticsJobHandlers } from './analytics-jobs.ts';
import { prepareTraining } from './emarge/emarge-dataset.ts';
import { loadEmargeLearners } from './emarge/emarge-learners.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { cancelAllTrainings, trainInWorker } from './train-in-worker.ts';

/**
 * Training runs in a worker thread: while the demo organisation's model
 * trains, the server answers requests (health, the job's progress, other
 * pages); a failure inside the worker keeps its error code; a cancellation
 * (server shutdown) fails the job and the model version with a clear message.
 */
describe('training in a worker thread', () => {
  let t: TestContext;
  let runner: JobRunner;
  let demoOrgId: string;
  let manager: AuthHeaders;
  const get = (url: string, who?: AuthHeaders) => t.request({ method: 'GET', url, ...(who ? { as: who } : {}) });
  const train = (body: unknown) => t.request({ method: 'POST', url: '/api/v1/analytics/models/train', as: manager, payload: body as never });

  before(async () => {
    t = await createTestContext({ now: '2026-03-04T10:00:00Z' });
    demoOrgId = (await seedDemo(t.db, { now: t.clock.now() })).organisation.id;
    const id = (await t.db.selectFrom('people').select('id').where('email', '=', 'manager@demo.emarge.test').executeTakeFirstOrThrow()).id;
    manager = await sessionHeaders(t.db, demoOrgId, id);
    runner = new JobRunner({ db: t.db, clock: t.clock, handlers: analyticsJobHandlers({ db: t.db, clock: t.clock }) });
  });
  after(() => t.close());

  /** Polls the job until `until` holds, answering as the server does meanwhile; fails if the job ends first. */
  async function watch(jobId: number, until: (job: { status: string; progress: { phase: string; epoch: number; epochs: number } | null }) => boolean) {
    for (;;) {
      const res = await get(`/api/v1/analytics/jobs/${jobId}`, manager);
      assert.equal(res.statusCode, 200, res.body);
      const job = res.json();
      if (until(job)) return job;
      assert.ok(job.status === 'queued' || job.status === 'running', `the job ended before it was observed while training: ${res.body}`);
      await sleep(5);
    }
  }

  test('the server answers while a model trains on the demo data; the job then finishes with a ready model', { timeout: 120_000 }, async () => {
    const accepted = await train({ epochs: 40 });
    assert.equal(accepted.statusCode, 202, accepted.body);
    const { jobId, modelVersionId } = accepted.json();
    const draining = runner.runDue();

    const during = await watch(jobId, (j) => j.status === 'running' && j.progress?.phase === 'training' && j.progress.epoch >= 1);
    const fraction = during.progress.epoch / during.progress.epochs;
    assert.ok(fraction > 0 && fraction < 1, `progress ${during.progress.epoch}/${during.progress.epochs}`);
    // While it trains: the health check, the job itself and another page are answered.
    const health = await get('/health');
    assert.equal(health.statusCode, 200);
    assert.deepEqual(health.json(), { status: 'ok' });
    const models = await get('/api/v1/analytics/models', manager);
    assert.equal(models.statusCode, 200);
    assert.equal(models.json().items.find((m: { id: string }) => m.id === modelVersionId).status, 'training');
    const still = (await get(`/api/v1/analytics/jobs/${jobId}`, manager)).json();
    assert.equal(still.status, 'running', 'the requests were answered while the job was still running');

    assert.equal(await draining, 1);
    const done = (await get(`/api/v1/analytics/jobs/${jobId}`, manager)).json();
    assert.equal(done.status, 'done', JSON.stringify(done));
    const model = (await get(`/api/v1/analytics/models/${modelVersionId}`, manager)).json();
    assert.equal(model.status, 'ready');
    assert.ok(model.metrics.training.epochsRun >= during.progress.epoch);
    assert.equal(model.metrics.training.thread, 'worker', 'trained in the worker thread, not on the event loop');
    assert.ok(done.result.predictions > 0);
  });

  test('a cancelled training (server shutdown) fails its job and model version with the reason', { timeout: 120_000 }, async () => {
    const accepted = await train({ epochs: 40, seed: 7 });
    assert.equal(accepted.statusCode, 202, accepted.body);
    const { jobId, modelVersionId } = accepted.json();
    const draining = runner.runDue();
    await watch(jobId, (j) => j.status === 'running' && j.progress?.phase === 'training');
    cancelAllTrainings('the server is shutting down');
    await draining;
    const job = (await get(`/api/v1/analytics/jobs/${jobId}`, manager)).json();
    assert.equal(job.status, 'failed');
    assert.equal(job.error, 'Training cancelled: the server is shutting down');
    assert.equal(job.progress.phase, 'failed');
    const model = (await get(`/api/v1/analytics/models/${modelVersionId}`, manager)).json();
    assert.equal(model.status, 'failed');
    assert.equal(model.error, 'Training cancelled: the server is shutting down');
    // The previous ready model is untouched and a new training can start.
    const list = (await get('/api/v1/analytics/models', manager)).json().items as Array<{ status: string }>;
    assert.equal(list.filter((m) => m.status === 'ready').length, 1);
    assert.equal((await train({ epochs: 1 })).statusCode, 202);
    await runner.runDue();
  });

  test('a manager cancels a queued training (it never runs) and a running one (its worker stops); both fail with who cancelled', { timeout: 120_000 }, async () => {
    const person = await t.db.selectFrom('people').select(['given_name', 'family_name']).where('email', '=', 'manager@demo.emarge.test').executeTakeFirstOrThrow();
    const expected = `Training cancelled: cancelled by ${person.given_name} ${person.family_name}`;
    const cancel = (jobId: number, who: AuthHeaders) => t.request({ method: 'POST', url: `/api/v1/analytics/jobs/${jobId}/cancel`, as: who });

    const queued = (await train({ epochs: 5 })).json();
    const res = await cancel(queued.jobId, manager);
    assert.equal(res.statusCode, 202, res.body);
    assert.equal(res.json().status, 'failed');
    assert.equal(res.json().error, expected);
    assert.equal(await runner.runDue(), 0, 'the cancelled job never runs');
    assert.equal((await get(`/api/v1/analytics/models/${queued.modelVersionId}`, manager)).json().status, 'failed');
    assert.equal((await cancel(queued.jobId, manager)).statusCode, 409, 'already ended');

    const running = (await train({ epochs: 40 })).json();
    const draining = runner.runDue();
    // As soon as the worker trains (its first epochs take a while on any machine: the window is wide).
    await watch(running.jobId, (j) => j.status === 'running' && j.progress?.phase === 'training');
    const stopped = await cancel(running.jobId, manager);
    assert.equal(stopped.statusCode, 202, stopped.body);
    await draining;
    const job = (await get(`/api/v1/analytics/jobs/${running.jobId}`, manager)).json();
    assert.equal(job.status, 'failed');
    assert.equal(job.error, expected);
    const model = (await get(`/api/v1/analytics/models/${running.modelVersionId}`, manager)).json();
    assert.equal(model.status, 'failed');
    assert.equal(model.error, expected);
    const audit = await t.db.selectFrom('audit_events').select('payload').where('type', '=', 'analytics.training_cancelled').execute();
    assert.deepEqual(audit.map((a) => (a.payload as { while: string }).while).sort(), ['queued', 'running']);

    // Refusals: a trainer, another organisation, a job that is not a training, an unknown job.
    const other = await makeOrganisationWithStaff(t.db);
    const next = (await train({ epochs: 1 })).json();
    const trainer = await sessionHeaders(t.db, demoOrgId, (await t.db.selectFrom('people').select('id').where('email', '=', 'trainer1@demo.emarge.test').executeTakeFirstOrThrow()).id);
    assert.equal((await cancel(next.jobId, trainer)).statusCode, 403);
    assert.equal((await cancel(next.jobId, other.as.admin)).statusCode, 404);
    assert.equal((await cancel(999_999, manager)).statusCode, 404);
    assert.equal((await get(`/api/v1/analytics/jobs/${next.jobId}`, manager)).json().status, 'queued', 'refusals changed nothing');
    await runner.runDue();
  });

  test('slow progress writes delay the outcome, never lose it: the worker may end before its last progress is recorded', async () => {
    const prepared = await withTenant(t.db, demoOrgId, async (trx) => prepareTraining(await loadEmargeLearners(trx, { asOf: '2026-03-04' }), '2026-03-04'));
    const seen: string[] = [];
    const outcome = await trainInWorker(prepared, { seed: 3, maxEpochs: 2, patience: 2, batchSize: 32, target: 'test', dataWindow: { test: true } }, {
      onStarted: () => void seen.push('started'),
      onEpoch: async (e) => {
        seen.push(`epoch ${e.epoch}`);
        if (e.epoch === 1) await sleep(1500);
      },
      onPhase: (phase) => void seen.push(phase),
    });
    assert.deepEqual(seen, ['started', 'epoch 1', 'epoch 2', 'evaluating']);
    assert.equal(outcome.artifact.training.epochsRun, 2);
    assert.equal(outcome.thread, 'worker');
    assert.deepEqual(outcome.artifact.dataWindow, { test: true });
    assert.ok(outcome.byWeek.length > 0 && outcome.validationF1 >= 0 && outcome.validationF1 <= 1);
  });

  test('an error inside the worker keeps its code and message; a pre-aborted training never starts', async () => {
    const prepared = await withTenant(t.db, demoOrgId, async (trx) => prepareTraining(await loadEmargeLearners(trx, { asOf: '2026-03-04' }), '2026-03-04'));
    const settings = { seed: 1, maxEpochs: 1, patience: 1, batchSize: 32, target: 'test', dataWindow: {} };
    // A schema one feature longer than the data: the engine refuses it, in the worker.
    const schema = { ...prepared.schema, features: [...prepared.schema.features, 'extra_feature'] };
    await assert.rejects(trainInWorker({ schema, train: prepared.train, validation: prepared.validation }, settings), (error: unknown) => {
      assert.ok(error instanceof AppError, String(error));
      assert.equal(error.code, 'ml_schema_mismatch');
      assert.match(error.message, /feature schema says/);
      return true;
    });
    // The typed arrays went to that worker (transferred): the caller cannot use them any more.
    assert.equal(prepared.train.x.length, 0);
    const controller = new AbortController();
    controller.abort(new Error('asked by a test'));
    await assert.rejects(trainInWorker({ schema, train: prepared.train, validation: prepared.validation }, settings, { signal: controller.signal }), /Training cancelled before it started: asked by a test/);
  });
});
