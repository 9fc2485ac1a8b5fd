import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { CONTENT_SECURITY_POLICY } from './security-headers.ts';

function assertSecurityHeaders(headers: Record<string, unknown>, what: string, https = false) {
  assert.equal(headers['content-security-policy'], CONTENT_SECURITY_POLICY, `${what}: CSP`);
  assert.match(String(headers['content-security-policy']), /frame-ancestors 'none'/, `${what}: not frameable`);
  assert.equal(headers['x-frame-options'], 'DENY', `${what}: X-Frame-Options`);
  assert.equal(headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
  assert.equal(headers['referrer-policy'], 'no-referrer', `${what}: Referrer-Policy`);
  if (https) assert.equal(headers['strict-transport-security'], 'max-age=31536000; includeSubDomains', `${what}: HSTS`);
  else assert.equal(headers['strict-transport-security'], undefined, `${what}: no HSTS over http`);
}

describe('security headers', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t.close());

  test('every kind of answer carries them: health, 401, 404, 400 on bad JSON and on an unsupported type', async () => {
    const answers = {
      health: await t.request({ method: 'GET', url: '/health' }),
      unauthenticated: await t.request({ method: 'GET', url: '/api/v1/people' }),
      unknownRoute: await t.request({ method: 'GET', url: '/api/v1/no-such-thing' }),
      badJson: await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', headers: { 'content-type': 'application/json' }, payload: '{"email":' }),
      badType: await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', headers: { 'content-type': 'text/plain' }, payload: 'x' }),
      openapi: await t.request({ method: 'GET', url: '/api/v1/openapi.json' }),
    };
    assert.deepEqual(
      Object.fromEntries(Object.entries(answers).map(([k, r]) => [k, r.statusCode])),
      { health: 200, unauthenticated: 401, unknownRoute: 404, badJson: 400, badType: 400, openapi: 200 },
    );
    for (const [what, r] of Object.entries(answers)) assertSecurityHeaders(r.headers, what);
  });
});

describe('security headers behind https', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext({ env: { PUBLIC_URL: 'https://emarge.example.org' } });
  });
  after(() => t.close());

  test('HSTS is sent when PUBLIC_URL is https', async () => {
    assertSecurityHeaders((await t.request({ method: 'GET', url: '/health' })).headers, 'health', true);
    assertSecurityHeaders((await t.request({ method: 'GET', url: '/api/v1/people' })).headers, '401', true);
  });
});

describe('request time-outs over a real socket', () => {
  let t: TestContext;
  let port: number;
  before(async () => {
    t = await createTestContext({ env: { REQUEST_TIMEOUT_SECONDS: '2' } });
    port = Number(new URL(await t.app.listen({ port: 0, host: '127.0.0.1' })).port);
  });
  after(() => t.close());

  /**
   * Sends `head` (and then one byte of `trickle` every 300 ms) and resolves with
   * what the server answered once it closed the connection, or 'still open'
   * after 15 s (the trickle alone would last far longer).
   */
  async function trickle(head: string, trickle: string): Promise<{ answer: string; bytesSent: number } | 'still open'> {
    const socket: Socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.write(head);
    let sent = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || sent >= trickle.length) return;
      socket.write(trickle[sent++]!);
    }, 300);
    const closed = new Promise<'closed'>((resolve) => socket.once('close', () => resolve('closed')));
    const limit = new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), 15_000).unref());
    const outcome = await Promise.race([closed, limit]);
    clearInterval(timer);
    socket.destroy();
    return outcome === 'closed' ? { answer, bytesSent: sent } : outcome;
  }

  test('a body trickled one byte at a time is cut off with 408', async () => {
    const body = JSON.stringify({ email: 'slow@example.test', password: 'x'.repeat(200) });
    const head = `POST /api/v1/auth/sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const outcome = await trickle(head, body);
    assert.notEqual(outcome, 'still open', 'the server closed the connection');
    if (outcome === 'still open') return;
    assert.match(outcome.answer, /^HTTP\/1\.1 408 /, `answered 408, got ${JSON.stringify(outcome.answer.slice(0, 80))}`);
    assert.match(outcome.answer, /content-type: application\/problem\+json/i, 'as problem+json');
    assert.ok(outcome.bytesSent < body.length, 'cut off before the body was complete');
  });

  test('headers trickled one byte at a time are cut off with 408', async () => {
    const head = 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ';
    const outcome = await trickle(head, 'a'.repeat(200));
    assert.notEqual(outcome, 'still open', 'the server closed the connection');
    if (outcome === 'still open') return;
    assert.match(outcome.answer, /^HTTP\/1\.1 408 /, `answered 408, got ${JSON.stringify(outcome.answer.slice(0, 80))}`);
  });

  test('a request sent at once is served on the same server', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(response.status, 200);
    assertSecurityHeaders(Object.fromEntries(response.headers), 'health over the socket');
  });
});
