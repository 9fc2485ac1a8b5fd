import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';

let t: TestContext;
before(async () => {
  t = await createTestContext();
});
after(() => t.db.destroy());

const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

test('the server closes while a browser holds an unused connection and a kept-alive one', async () => {
  const address = new URL(await t.app.listen({ port: 0, host: '127.0.0.1' }));
  const port = Number(address.port);
  // A connection opened and never used (as Chromium preconnects): Node never times it out once the server stops listening.
  const unused = connect(port, '127.0.0.1');
  await new Promise((resolve) => unused.once('connect', resolve));
  // A kept-alive connection that has served a request.
  const agent = new Agent({ keepAlive: true });
  const kept = await new Promise<Socket>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', agent }, (res) => {
      res.resume();
      res.once('end', () => resolve(req.socket!));
    });
    req.once('error', reject);
    req.end();
  });
  assert.equal(kept.destroyed, false);
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5_000).unref());
  assert.equal(await Promise.race([t.app.close().then(() => 'closed' as const), timeout]), 'closed', 'the server closed within 5 s');
  await Promise.all([closed(unused), closed(kept)]);
  agent.destroy();
});
