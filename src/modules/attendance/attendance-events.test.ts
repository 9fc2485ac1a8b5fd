import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeAttendanceFixture, sampleStrokes } from './attendance-test-fixtures.ts';

let t: TestContext;
let f: Awaited<ReturnType<typeof makeAttendanceFixture>>;
before(async () => {
  t = await createTestContext({ now: '2026-03-02T08:01:00Z' });
  f = await makeAttendanceFixture(t.db, { learners: 2 });
});
after(() => t.close());

test('live roster: server-sent events of a session reach its trainer after commit; others are refused', async () => {
  assert.equal((await t.request({ method: 'GET', url: `/api/v1/sessions/${f.session.id}/events`, as: f.as.learner })).statusCode, 403);
  assert.equal((await t.request({ method: 'GET', url: `/api/v1/sessions/${f.session.id}/events`, as: f.otherTrainerHeaders })).statusCode, 404);

  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const controller = new AbortController();
  const res = await fetch(`${address}/api/v1/sessions/${f.session.id}/events`, { headers: { cookie: f.as.trainer.cookie! }, signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /^text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let received = '';
  const readUntil = async (pattern: RegExp) => {
    while (!pattern.test(received)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended: ${received}`);
      received += decoder.decode(value);
    }
  };
  await readUntil(/: connected/);

  // A refused signing publishes nothing; a committed one does.
  const refused = await t.request({ method: 'POST', url: `/api/v1/sessions/${f.session.id}/kiosk/sign`, as: f.as.trainer, payload: { personId: f.learners[1]!.id, strokes: { width: 400, height: 150, strokes: [] } } });
  assert.equal(refused.statusCode, 400);
  const signed = await t.request({ method: 'POST', url: `/api/v1/sessions/${f.session.id}/kiosk/sign`, as: f.as.trainer, payload: { personId: f.learners[1]!.id, strokes: sampleStrokes() } });
  assert.equal(signed.statusCode, 201, signed.body);
  await readUntil(/event: signature\ndata: .*\n\n/);
  const data = JSON.parse(/event: signature\ndata: (.*)\n\n/.exec(received)![1]!);
  assert.deepEqual({ personId: data.personId, status: data.status, method: data.method, sessionId: data.sessionId }, { personId: f.learners[1]!.id, status: 'present', method: 'kiosk', sessionId: f.session.id });

  const marked = await t.request({ method: 'PATCH', url: `/api/v1/sessions/${f.session.id}/attendance/${f.learner.id}`, as: f.as.trainer, payload: { status: 'absent' } });
  assert.equal(marked.statusCode, 200, marked.body);
  await readUntil(/event: mark\ndata: .*"status":"absent"/);
  controller.abort();
});
