import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeOrganisationWithStaff } from '../../../test/factories.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { enqueueJob, JobRunner } from '../../platform/jobs/job-queue.ts';
import { WEBHOOK_MAX_ATTEMPTS } from './deliver-webhooks.ts';
import { emitWebhookEvent } from './emit-webhook-event.ts';
import { webhookJobHandlers } from './webhook-jobs.ts';
import { verifyWebhookSignature } from './webhook-signature.ts';

interface Hit {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP receiver on a loopback port; `respond` decides each answer. */
async function startReceiver() {
  const hits: Hit[] = [];
  const state: { respond: (hit: Hit, res: ServerResponse) => void } = { respond: (_h, res) => res.writeHead(204).end() };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hit = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      hits.push(hit);
      state.respond(hit, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    hits,
    state,
    url: `http://127.0.0.1:${port}/hooks`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describe('webhooks', () => {
  let t: TestContext;
  let org: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  let other: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let runner: JobRunner;

  before(async () => {
    t = await createTestContext();
    org = await makeOrganisationWithStaff(t.db);
    other = await makeOrganisationWithStaff(t.db);
    receiver = await startReceiver();
    runner = new JobRunner({ db: t.db, clock: t.clock, handlers: webhookJobHandlers({ db: t.db, clock: t.clock, webhookTimeoutMs: 300 }) });
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  /** Queues a delivery pass due now and runs the job queue, as the server's JobRunner would. */
  async function runDeliveryPass() {
    await enqueueJob(t.db, 'webhooks.deliver', {}, { runAt: t.clock.now() });
    await runner.runDue();
  }

  async function createEndpoint(events: string[], as = org.as.admin, url = receiver.url) {
    const res = await t.request({ method: 'POST', url: '/api/v1/webhooks', as, payload: { url, events } });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { id: string; secret: string; url: string };
  }

  async function deliveries(endpointId: string, as = org.as.admin) {
    const res = await t.request({ method: 'GET', url: `/api/v1/webhooks/${endpointId}/deliveries`, as });
    assert.equal(res.statusCode, 200, res.body);
    return res.json().items as Array<Record<string, any>>;
  }

  test('endpoints: admin only, URL and events checked, secret shown once, audited; cross-tenant 404', async () => {
    const bad = async (payload: unknown, path: string, as = org.as.admin) => {
      const res = await t.request({ method: 'POST', url: '/api/v1/webhooks', as, payload: payload as never });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().code, 'validation_failed');
      assert.ok(res.json().errors.some((e: { path: string }) => e.path.startsWith(path)), res.body);
    };
    await bad({ url: 'http://example.com/hook', events: ['sheet.locked'] }, 'body.url');
    await bad({ url: 'ftp://example.com/hook', events: ['sheet.locked'] }, 'body.url');
    await bad({ url: 'not a url at all', events: ['sheet.locked'] }, 'body.url');
    await bad({ url: 'https://user:pw@example.com/hook', events: ['sheet.locked'] }, 'body.url');
    await bad({ url: 'https://example.com/hook', events: [] }, 'body.events');
    await bad({ url: 'https://example.com/hook', events: ['sheet.burnt'] }, 'body.events');
    await bad({ url: 'https://example.com/hook', events: ['sheet.locked'], extra: 1 }, 'body');
    for (const as of [org.as.manager, org.as.trainer, org.as.learner]) {
      const res = await t.request({ method: 'POST', url: '/api/v1/webhooks', as, payload: { url: 'https://example.com/h', events: ['sheet.locked'] } });
      assert.equal(res.statusCode, 403, res.body);
    }
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/webhooks', as: org.as.manager })).statusCode, 403);
    assert.equal((await t.request({ method: 'POST', url: '/api/v1/webhooks', as: org.as.readKey, payload: { url: 'https://example.com/h', events: ['sheet.locked'] } })).json().code, 'scope_insufficient');

    const created = await createEndpoint(['sheet.locked', 'sheet.locked', 'absence.justified'], org.as.admin, 'https://hooks.example.com/emarge');
    assert.match(created.secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual((created as unknown as { events: string[] }).events, ['sheet.locked', 'absence.justified']);
    const list = await t.request({ method: 'GET', url: '/api/v1/webhooks', as: org.as.admin });
    assert.equal(list.statusCode, 200);
    const listed = list.json().items.find((e: { id: string }) => e.id === created.id);
    assert.ok(listed);
    assert.equal(listed.secret, undefined, 'the secret is never listed');
    assert.ok(!list.body.includes(created.secret));

    // Another organisation's admin cannot see, read the log of, or delete it.
    assert.ok(!(await t.request({ method: 'GET', url: '/api/v1/webhooks', as: other.as.admin })).body.includes(created.id));
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/webhooks/${created.id}/deliveries`, as: other.as.admin })).statusCode, 404);
    assert.equal((await t.request({ method: 'DELETE', url: `/api/v1/webhooks/${created.id}`, as: other.as.admin })).statusCode, 404);

    assert.equal((await t.request({ method: 'DELETE', url: `/api/v1/webhooks/${created.id}`, as: org.as.admin })).statusCode, 204);
    assert.equal((await t.request({ method: 'DELETE', url: `/api/v1/webhooks/${created.id}`, as: org.as.admin })).statusCode, 404);
    const audit = await t.db.selectFrom('audit_events').select(['type', 'subject_id']).where('organisation_id', '=', org.organisation.id).where('type', 'like', 'webhook.%').orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.type), ['webhook.created', 'webhook.deleted']);
    assert.ok(audit.every((a) => a.subject_id === created.id));
  });

  test('a delivery is POSTed with a verifiable HMAC signature, only to subscribed endpoints, and logged', async () => {
    receiver.hits.length = 0;
    receiver.state.respond = (_h, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
    const subscribed = await createEndpoint(['signature.created']);
    const unsubscribed = await createEndpoint(['sheet.locked']);
    const otherOrgs = await createEndpoint(['signature.created'], other.as.admin);

    const emitted = await withTenant(t.db, org.organisation.id, (trx) =>
      emitWebhookEvent(trx, org.organisation.id, 'signature.created', { sessionId: 'sess-1', personId: 'p-1', method: 'qr' }, { occurredAt: t.clock.now() }),
    );
    assert.equal(emitted.deliveries, 1);
    // A rolled-back change announces nothing.
    await assert.rejects(
      withTenant(t.db, org.organisation.id, async (trx) => {
        await emitWebhookEvent(trx, org.organisation.id, 'signature.created', { rolledBack: true });
        throw new Error('rollback');
      }),
    );

    await runDeliveryPass();
    assert.equal(receiver.hits.length, 1);
    const hit = receiver.hits[0]!;
    const body = JSON.parse(hit.body);
    assert.deepEqual(body, {
      id: emitted.eventId,
      type: 'signature.created',
      createdAt: t.clock.now().toISOString(),
      organisationId: org.organisation.id,
      data: { sessionId: 'sess-1', personId: 'p-1', method: 'qr' },
    });
    assert.equal(hit.headers['emarge-event-id'], emitted.eventId);
    assert.equal(hit.headers['content-type'], 'application/json');

    // The receiver's recipe, written out: split the header, recompute HMAC-SHA256(secret, t + "." + raw body), compare in constant time, check t.
    const header = String(hit.headers['emarge-signature']);
    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    assert.ok(m, header);
    assert.equal(Number(m[1]), Math.floor(t.clock.now().getTime() / 1000));
    const expected = createHmac('sha256', subscribed.secret).update(`${m[1]}.${hit.body}`).digest();
    assert.ok(timingSafeEqual(expected, Buffer.from(m[2]!, 'hex')));
    assert.equal(verifyWebhookSignature(subscribed.secret, header, hit.body, { now: t.clock.now() }), true);
    // Wrong secret, altered body, or a replay ten minutes later fail.
    assert.equal(verifyWebhookSignature(unsubscribed.secret, header, hit.body, { now: t.clock.now() }), false);
    assert.equal(verifyWebhookSignature(subscribed.secret, header, hit.body.replace('qr', 'kiosk'), { now: t.clock.now() }), false);
    assert.equal(verifyWebhookSignature(subscribed.secret, header, hit.body, { now: new Date(t.clock.now().getTime() + 600_000) }), false);

    const [log] = await deliveries(subscribed.id);
    assert.equal(log!.status, 'delivered');
    assert.equal(log!.attempts, 1);
    assert.equal(log!.responseStatus, 200);
    assert.equal(log!.responseBodyExcerpt, 'thanks');
    assert.equal(log!.deliveredAt, t.clock.now().toISOString());
    assert.equal(log!.eventId, emitted.eventId);
    assert.deepEqual(await deliveries(unsubscribed.id), []);
    assert.deepEqual(await deliveries(otherOrgs.id, other.as.admin), []);

    // Nothing more to send: another pass posts nothing.
    await runDeliveryPass();
    assert.equal(receiver.hits.length, 1);
    for (const e of [subscribed, unsubscribed]) await t.request({ method: 'DELETE', url: `/api/v1/webhooks/${e.id}`, as: org.as.admin });
  });

  test('a receiver failing twice is retried with backoff (1 min, then 5 min) and the third attempt succeeds', async () => {
    receiver.hits.length = 0;
    let calls = 0;
    receiver.state.respond = (_h, res) => {
      calls++;
      if (calls <= 2) res.writeHead(503).end('busy');
      else res.writeHead(202).end();
    };
    const endpoint = await createEndpoint(['sheet.locked']);
    const { eventId } = await withTenant(t.db, org.organisation.id, (trx) => emitWebhookEvent(trx, org.organisation.id, 'sheet.locked', { sessionId: 's' }));

    await runDeliveryPass();
    let [log] = await deliveries(endpoint.id);
    assert.equal(log!.status, 'pending');
    assert.equal(log!.attempts, 1);
    assert.equal(log!.responseStatus, 503);
    assert.equal(log!.lastError, 'HTTP 503');
    assert.equal(log!.nextAttemptAt, new Date(t.clock.now().getTime() + 60_000).toISOString());

    await runDeliveryPass();
    assert.equal(receiver.hits.length, 1, 'not retried before its backoff');
    t.clock.advance(61_000);
    await runDeliveryPass();
    assert.equal(receiver.hits.length, 2);
    [log] = await deliveries(endpoint.id);
    assert.equal(log!.attempts, 2);
    assert.equal(log!.nextAttemptAt, new Date(t.clock.now().getTime() + 5 * 60_000).toISOString());

    t.clock.advance(5 * 60_000 + 1000);
    await runDeliveryPass();
    assert.equal(receiver.hits.length, 3);
    [log] = await deliveries(endpoint.id);
    assert.equal(log!.status, 'delivered');
    assert.equal(log!.attempts, 3);
    assert.equal(log!.responseStatus, 202);
    assert.equal(log!.lastError, null);
    // Every attempt carried the same event id and body; the receiver deduplicates on it.
    assert.deepEqual(new Set(receiver.hits.map((h) => h.headers['emarge-event-id'])), new Set([eventId]));
    assert.equal(new Set(receiver.hits.map((h) => h.body)).size, 1);
    await t.request({ method: 'DELETE', url: `/api/v1/webhooks/${endpoint.id}`, as: org.as.admin });
  });

  test(`a receiver that does not answer in time is retried, and the delivery fails after ${WEBHOOK_MAX_ATTEMPTS} attempts`, async () => {
    receiver.hits.length = 0;
    receiver.state.respond = () => undefined; // never answers
    const endpoint = await createEndpoint(['absence.justified']);
    await withTenant(t.db, org.organisation.id, (trx) => emitWebhookEvent(trx, org.organisation.id, 'absence.justified', { justificationId: 'j' }));

    await runDeliveryPass();
    let [log] = await deliveries(endpoint.id);
    assert.equal(log!.status, 'pending');
    assert.match(log!.lastError, /timed out after 300 ms/);
    assert.equal(log!.responseStatus, null);

    receiver.state.respond = (_h, res) => res.writeHead(500).end('<html>error</html>');
    for (const wait of [60_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000, 12 * 3600_000]) {
      t.clock.advance(wait + 1000);
      await runDeliveryPass();
    }
    assert.equal(receiver.hits.length, WEBHOOK_MAX_ATTEMPTS);
    [log] = await deliveries(endpoint.id);
    assert.equal(log!.status, 'failed');
    assert.equal(log!.attempts, WEBHOOK_MAX_ATTEMPTS);
    assert.equal(log!.nextAttemptAt, null);
    assert.equal(log!.responseBodyExcerpt, '<html>error</html>');
    t.clock.advance(24 * 3600_000);
    await runDeliveryPass();
    assert.equal(receiver.hits.length, WEBHOOK_MAX_ATTEMPTS, 'a failed delivery is not sent again');
    const failedOnly = await t.request({ method: 'GET', url: `/api/v1/webhooks/${endpoint.id}/deliveries?status=delivered`, as: org.as.admin });
    assert.deepEqual(failedOnly.json().items, []);
  });

  test('the delivery job queues its next pass', async () => {
    await runDeliveryPass();
    const next = await t.db.selectFrom('jobs').select(['run_at']).where('type', '=', 'webhooks.deliver').where('status', '=', 'queued').execute();
    assert.equal(next.length, 1);
    assert.equal(next[0]!.run_at.getTime(), t.clock.now().getTime() + 10_000);
  });
});

describe('webhook URL rules', () => {
  test('https anywhere public; http only to localhost outside production; no internal targets in production', async () => {
    const { checkWebhookUrl } = await import('./webhook-url.ts');
    assert.equal(checkWebhookUrl('https://hooks.example.com/x', 'production'), 'https://hooks.example.com/x');
    assert.equal(checkWebhookUrl('http://localhost:4000/x', 'development'), 'http://localhost:4000/x');
    assert.equal(checkWebhookUrl('http://[::1]:4000/x', 'test'), 'http://[::1]:4000/x');
    for (const [url, env] of [
      ['http://localhost:4000/x', 'production'],
      ['http://10.0.0.1/x', 'development'],
      ['https://127.0.0.1/x', 'production'],
      ['https://10.1.2.3/x', 'production'],
      ['https://192.168.1.10/x', 'production'],
      ['https://169.254.169.254/latest/meta-data', 'production'],
      ['https://[fd00::1]/x', 'production'],
      ['https://localhost/x', 'production'],
    ] as const) {
      assert.throws(() => checkWebhookUrl(url, env), (e: { code?: string }) => e.code === 'validation_failed', `${url} in ${env}`);
    }
  });
});
