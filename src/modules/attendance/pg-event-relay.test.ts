import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../../../test/database.ts';
import { freePort, startServer } from '../../../test/server-process.ts';
import { createApp } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import { FixedClock } from '../../platform/clock.ts';
import { localParts } from '../catalogue/session-time.ts';
import { makeAttendanceFixture, sampleStrokes } from './attendance-test-fixtures.ts';
import { publishAttendanceEvent } from './attendance-events.ts';
import { ATTENDANCE_CHANNEL, parseRelayedEvents, startAttendanceEventRelay, type AttendanceEventRelay } from './pg-event-relay.ts';

/**
 * The live roster across app servers on one PostgreSQL database: server 1 is
 * an app in this process with the relay started as `serve` starts it; server 2
 * is the real `emarge serve` in a child process (it starts its own relay). A
 * signature recorded through one reaches an SSE subscriber of the other, and
 * an event of organisation A never reaches a stream of organisation B.
 */
const SKIP = TEST_DB_KIND === 'postgres' ? false : 'PostgreSQL only: PGlite is one process, whose in-process bus needs no relay (LISTEN/NOTIFY does not cross processes there)';
/** An SSE subscription read as text; `until` waits (10 s by default) for a pattern. */
async function subscribe(url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  assert.equal(res.status, 200, `${url}: ${res.status}`);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const stream = { text: '' };
  let pending: Promise<void> | null = null;
  const pump = async () => {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended: ${stream.text}`);
    stream.text += decoder.decode(value);
  };
  return {
    stream,
    async until(pattern: RegExp, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (!pattern.test(stream.text)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; got: ${stream.text}`);
        pending ??= pump().finally(() => (pending = null));
        await Promise.race([pending, new Promise((r) => setTimeout(r, 100))]);
      }
    },
    close: () => controller.abort(),
  };
}

describe('attendance events across app servers (PostgreSQL LISTEN/NOTIFY)', { skip: SKIP }, () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let relay: AttendanceEventRelay;
  let server2: ChildProcess | null = null;
  let url1: string;
  let url2: string;
  let A: Awaited<ReturnType<typeof makeAttendanceFixture>>;
  let B: Awaited<ReturnType<typeof makeAttendanceFixture>>;
  let sessionA: string;
  let sessionB: string;
  const cookieOf = (h: Record<string, string>) => ({ cookie: h.cookie! });

  before(async () => {
    database = await createTestDatabase();
    const dbUrl = (database.config as { url: string }).url;
    // Sessions running now: server 2 uses the system clock.
    const now = new Date();
    const clock = new FixedClock(now.toISOString());
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', SEED_DEMO: 'false', DATA_DIR: '/tmp/emarge-test' });
    app = await createApp({ config: { ...config, database: database.config }, db: database.db, clock, mailTransport: null });
    relay = await startAttendanceEventRelay({ url: dbUrl });
    app.addHook('onClose', async () => relay.stop());
    url1 = await app.listen({ port: 0, host: '127.0.0.1' });

    const local = localParts(now, 'Europe/Paris');
    A = await makeAttendanceFixture(database.db, { learners: 2 });
    B = await makeAttendanceFixture(database.db, { learners: 2 });
    const running = async (f: typeof A) => {
      const row = await database.db
        .insertInto('sessions')
        .values({ organisation_id: f.organisation.id, cohort_id: f.cohort.id, date: local.date, half_day: 'am', starts_at: new Date(now.getTime() - 10 * 60_000), ends_at: new Date(now.getTime() + 60 * 60_000) })
        .returning('id')
        .executeTakeFirstOrThrow();
      await database.db.insertInto('session_trainers').values({ organisation_id: f.organisation.id, session_id: row.id, person_id: f.trainer.id }).execute();
      return row.id;
    };
    sessionA = await running(A);
    sessionB = await running(B);

    const port = await freePort();
    server2 = await startServer(port, { DATABASE_URL: dbUrl, DATABASE_POOL_SIZE: '3' });
    url2 = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    if (server2 && server2.exitCode === null) {
      const exited = new Promise((r) => server2!.once('exit', r));
      server2.kill('SIGTERM');
      await exited;
    }
    await app?.close();
    await database?.drop();
  });

  test('a signature through server 1 reaches a subscriber of server 2, and back; only in its organisation', async () => {
    assert.equal(relay.connected, true);
    const aOn2 = await subscribe(`${url2}/api/v1/sessions/${sessionA}/events`, cookieOf(A.as.trainer));
    const bOn2 = await subscribe(`${url2}/api/v1/sessions/${sessionB}/events`, cookieOf(B.as.trainer));
    await aOn2.until(/: connected/);
    await bOn2.until(/: connected/);

    // Server 1 records A's learner signing at the kiosk: server 2's stream of that session gets it.
    const signed = await app.inject({ method: 'POST', url: `/api/v1/sessions/${sessionA}/kiosk/sign`, headers: A.as.trainer, payload: { personId: A.learners[0]!.id, strokes: sampleStrokes() } });
    assert.equal(signed.statusCode, 201, signed.body);
    await aOn2.until(/event: signature\ndata: .*\n\n/);
    const data = JSON.parse(/event: signature\ndata: (.*)\n\n/.exec(aOn2.stream.text)![1]!);
    assert.deepEqual(
      { sessionId: data.sessionId, personId: data.personId, method: data.method, status: data.status },
      { sessionId: sessionA, personId: A.learners[0]!.id, method: 'kiosk', status: 'late' }, // 10 min after the start
    );
    assert.equal(data.organisationId, undefined, 'the organisation is not sent to clients');

    // A forged notification naming organisation A with B's session id: B's stream must drop it.
    const c = new pg.Client({ connectionString: (database.config as { url: string }).url });
    await c.connect();
    const forged = { type: 'mark', sessionId: sessionB, personId: A.learners[1]!.id, status: 'absent', method: null, signedAt: null, at: new Date().toISOString() };
    await c.query('SELECT pg_notify($1, $2)', [ATTENDANCE_CHANNEL, JSON.stringify({ i: 'someone-else', o: A.organisation.id, e: forged })]);
    await c.query('SELECT pg_notify($1, $2)', [ATTENDANCE_CHANNEL, 'not json at all']);
    await c.end();

    // Then a real event of B, through server 1: B's stream gets it, and nothing of A before it.
    const markedB = await app.inject({ method: 'PATCH', url: `/api/v1/sessions/${sessionB}/attendance/${B.learners[1]!.id}`, headers: B.as.trainer, payload: { status: 'absent' } });
    assert.equal(markedB.statusCode, 200, markedB.body);
    await bOn2.until(/event: mark\ndata: .*\n\n/);
    assert.ok(bOn2.stream.text.includes(B.learners[1]!.id));
    assert.ok(!bOn2.stream.text.includes(A.learners[0]!.id), `A's signature reached B's stream: ${bOn2.stream.text}`);
    assert.ok(!bOn2.stream.text.includes(A.learners[1]!.id), `the forged event reached B's stream: ${bOn2.stream.text}`);
    assert.ok(!aOn2.stream.text.includes(B.learners[1]!.id), `B's mark reached A's stream: ${aOn2.stream.text}`);

    // The other way: a signature through server 2 reaches a subscriber of server 1.
    const aOn1 = await subscribe(`${url1}/api/v1/sessions/${sessionA}/events`, cookieOf(A.as.trainer));
    await aOn1.until(/: connected/);
    const viaHttp = await fetch(`${url2}/api/v1/sessions/${sessionA}/kiosk/sign`, {
      method: 'POST',
      headers: { ...A.as.trainer, 'content-type': 'application/json' },
      body: JSON.stringify({ personId: A.learners[1]!.id, strokes: sampleStrokes(2) }),
    });
    assert.equal(viaHttp.status, 201, await viaHttp.text());
    await aOn1.until(new RegExp(`event: signature\\ndata: [^\\n]*"personId":"${A.learners[1]!.id}"`));
    // Server 2's own subscriber got it once (locally), not twice (its own notification is skipped).
    await aOn2.until(new RegExp(`"personId":"${A.learners[1]!.id}"`));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(aOn2.stream.text.split(`"personId":"${A.learners[1]!.id}"`).length - 1, 1, aOn2.stream.text);
    for (const s of [aOn1, aOn2, bOn2]) s.close();
  });

  test('a burst of events crosses in a few notifications, every event delivered, in order', async () => {
    const aOn2 = await subscribe(`${url2}/api/v1/sessions/${sessionA}/events`, cookieOf(A.as.trainer));
    await aOn2.until(/: connected/);
    const listener = new pg.Client({ connectionString: (database.config as { url: string }).url });
    await listener.connect();
    let notifications = 0;
    listener.on('notification', (msg) => {
      if (msg.channel === ATTENDANCE_CHANNEL && parseRelayedEvents(msg.payload)?.instanceId === relay.instanceId) notifications++;
    });
    await listener.query(`LISTEN ${ATTENDANCE_CHANNEL}`);
    const base = Date.parse('2030-01-01T08:00:00Z');
    for (let k = 0; k < 45; k++) {
      publishAttendanceEvent({ type: 'mark', organisationId: A.organisation.id, sessionId: sessionA, personId: A.learners[0]!.id, status: 'present', method: 'marked', signedAt: null, at: new Date(base + k * 1000).toISOString() });
    }
    const last = new Date(base + 44_000).toISOString();
    await aOn2.until(new RegExp(`"at":"${last}"`));
    const seen = [...aOn2.stream.text.matchAll(/"at":"(2030-[^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(seen, Array.from({ length: 45 }, (_, k) => new Date(base + k * 1000).toISOString()));
    await new Promise((r) => setTimeout(r, 200));
    await listener.end();
    aOn2.close();
    // The first event goes out alone; the 44 queued while it was in flight share the next statement (20 + 20 + 4).
    assert.ok(notifications >= 3 && notifications <= 6, `${notifications} notifications for 45 events`);
  });

  test('the payload check ignores anything malformed', () => {
    const e = { type: 'signature', sessionId: 's', personId: 'p', status: 'present', method: 'qr', signedAt: null, at: 'now' };
    const ok = { i: 'x', o: 'org', es: [e, { ...e, personId: 'q' }] };
    const parsed = parseRelayedEvents(JSON.stringify(ok));
    assert.deepEqual(parsed?.events.map((x) => [x.organisationId, x.personId]), [['org', 'p'], ['org', 'q']]);
    // One event under `e`, as servers sent before batching.
    assert.equal(parseRelayedEvents(JSON.stringify({ i: 'x', o: 'org', e }))?.events[0]?.organisationId, 'org');
    assert.equal(parseRelayedEvents('nope'), null);
    assert.equal(parseRelayedEvents(JSON.stringify({ ...ok, o: 42 })), null);
    assert.equal(parseRelayedEvents(JSON.stringify({ ...ok, es: [] })), null);
    assert.equal(parseRelayedEvents(JSON.stringify({ ...ok, es: [e, { ...e, type: 'drop_tables' }] })), null);
    assert.equal(parseRelayedEvents(JSON.stringify({ ...ok, es: [{ ...e, sessionId: undefined }] })), null);
  });

  test('the relays reconnect after their connections are killed', async () => {
    const admin = new pg.Client({ connectionString: (database.config as { url: string }).url });
    await admin.connect();
    const { rowCount } = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'emarge-attendance-relay' AND datname = current_database()`);
    await admin.end();
    assert.equal(rowCount, 2, 'each server had its relay connection');
    const deadline = Date.now() + 20_000;
    const lost = Date.now() + 2_000;
    while (relay.connected && Date.now() < lost) await new Promise((r) => setTimeout(r, 20));
    while (!relay.connected) {
      if (Date.now() > deadline) throw new Error('the relay of server 1 did not reconnect');
      await new Promise((r) => setTimeout(r, 50));
    }
    // Server 2's relay reconnects too: an event from server 1 reaches its stream again (retried while it re-LISTENs).
    const aOn2 = await subscribe(`${url2}/api/v1/sessions/${sessionA}/events`, cookieOf(A.as.trainer));
    await aOn2.until(/: connected/);
    let received = false;
    while (!received && Date.now() < deadline) {
      const marked = await app.inject({ method: 'PATCH', url: `/api/v1/sessions/${sessionA}/attendance/${A.learners[1]!.id}`, headers: A.as.trainer, payload: { status: 'absent', reason: 'left after the break' } });
      assert.equal(marked.statusCode, 200, marked.body);
      received = await aOn2.until(/event: mark\ndata: .*"status":"absent"/, 500).then(
        () => true,
        () => false,
      );
    }
    aOn2.close();
    assert.ok(received, 'server 2 never received an event after the reconnection');
  });
});
