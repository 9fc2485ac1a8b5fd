import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeAttendanceFixture } from './attendance-test-fixtures.ts';

let t: TestContext;
let f: Awaited<ReturnType<typeof makeAttendanceFixture>>;
before(async () => {
  t = await createTestContext({ now: '2026-03-02T08:01:00Z' });
  f = await makeAttendanceFixture(t.db, { learners: 1 });
});
after(() => t.db.destroy());

test('the server stops while a live roster is (re)connecting: the stream is ended, nothing keeps the server open', async () => {
  const address = new URL(await t.app.listen({ port: 0, host: '127.0.0.1' }));
  const open = () =>
    new Promise<{ status: number; connection: string | undefined; ended: Promise<void> }>((resolve, reject) => {
      // Keep-alive, as a browser's EventSource: the socket would outlive the response.
      const req = httpRequest({ host: address.hostname, port: address.port, path: `/api/v1/sessions/${f.session.id}/events`, headers: { cookie: f.as.trainer.cookie!, connection: 'keep-alive' } }, (res) => {
        res.resume();
        const socketClosed = new Promise<void>((done) => (res.socket.destroyed ? done() : res.socket.once('close', () => done())));
        resolve({ status: res.statusCode!, connection: res.headers.connection, ended: socketClosed });
      });
      req.on('error', reject);
      req.end();
    });
  const first = await open();
  assert.equal(first.status, 200);
  // A second stream whose request is still being authorised when the server starts closing.
  let closing: Promise<void> | undefined;
  t.app.server.once('request', () => {
    closing = t.app.close();
  });
  const second = open();
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(closing, 'the server started closing during the second request');
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5_000).unref());
  assert.notEqual(await Promise.race([closing.then(() => 'closed'), timeout]), 'timeout', 'the server closed within 5 s');
  // The first stream ended with its connection (the server closed the socket: `ended` waits for that).
  await first.ended;
  // Refused as the restart it is (the page's EventSource tries again later), not left open nor failed as a 500,
  // and its connection closed rather than kept alive.
  const late = await second;
  assert.equal(late.status, 503);
  assert.equal(late.connection, 'close');
  await late.ended;
});
