/**
 * bench:api — requests per second and latency of listing a week of sessions
 * (GET /api/v1/sessions) in an organisation with 1,000 learners and 5,000
 * sessions, beside two references measured in the same run:
 *   - `bare`: a bare Fastify route returning a constant (the HTTP floor);
 *   - `sql`:  a bare Fastify route running the same week query as one plain SQL
 *             statement on the same database (no auth, no RLS, no presenter).
 * The load comes from autocannon in a separate process on loopback.
 * Then `healthUnderLoad`: `--readers` (200) clients read the same week while a
 * second load process probes GET /health at 20 requests/s on one connection:
 * the health latency says whether the server's event loop stays free (PGlite
 * runs in a worker thread), with the process's RSS before, at the end of and
 * 10 s after the load.
 *
 *   npm run bench:api -- --json FILE [--db pglite|postgres|both] [--duration 10] [--connections 10] [--readers 200] [--health-only]
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { generateApiKey } from '../src/platform/auth/api-key-format.ts';
import { systemClock } from '../src/platform/clock.ts';
import type { Db } from '../src/platform/db/database.ts';
import { migrateOrThrow } from '../src/platform/db/migrate.ts';
import { addDaysToDate, sessionBounds } from '../src/modules/catalogue/session-time.ts';
import { createBenchDatabase } from './bench-database.ts';

const { values: args } = parseArgs({
  options: {
    json: { type: 'string' },
    db: { type: 'string', default: 'both' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    readers: { type: 'string', default: '200' },
    'health-only': { type: 'boolean', default: false },
  },
});
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const READERS = Number(args.readers);
const LEARNERS = 1000;
const COHORTS = 50;
const SESSIONS_PER_COHORT = 100; // 50 weekdays × 2 half-days = 10 weeks
const FIRST_MONDAY = '2026-01-05';
const WEEK = { from: '2026-01-19', to: '2026-01-25' };

interface LoadResult {
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  requests: number;
  errors: number;
  non2xx: number;
  bytesPerResponse: number;
}

async function seed(db: Db): Promise<{ organisationId: string; apiKey: string }> {
  const org = await db.insertInto('organisations').values({ slug: 'bench', name: 'Bench organisation' }).returning('id').executeTakeFirstOrThrow();
  const organisation_id = org.id;
  const program = await db.insertInto('programs').values({ organisation_id, title: 'Bench program', planned_hours: 400 }).returning('id').executeTakeFirstOrThrow();
  const people = await db
    .insertInto('people')
    .values(Array.from({ length: LEARNERS }, (_, i) => ({ organisation_id, email: `learner${i}@bench.test`, given_name: `Learner${i}`, family_name: `Bench${i}` })))
    .returning('id')
    .execute();
  await db.insertInto('person_roles').values(people.map((p) => ({ organisation_id, person_id: p.id, role: 'learner' as const }))).execute();
  const trainer = await db.insertInto('people').values({ organisation_id, email: 'trainer@bench.test', given_name: 'T', family_name: 'Trainer' }).returning('id').executeTakeFirstOrThrow();
  const cohorts = await db
    .insertInto('cohorts')
    .values(Array.from({ length: COHORTS }, (_, i) => ({ organisation_id, program_id: program.id, name: `Cohort ${String(i).padStart(2, '0')}` })))
    .returning('id')
    .execute();
  await db
    .insertInto('enrolments')
    .values(people.map((p, i) => ({ organisation_id, cohort_id: cohorts[i % COHORTS]!.id, person_id: p.id })))
    .execute();
  const dates: string[] = [];
  for (let d = 0; dates.length < SESSIONS_PER_COHORT / 2; d++) {
    const date = addDaysToDate(FIRST_MONDAY, d);
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    if (weekday >= 1 && weekday <= 5) dates.push(date);
  }
  for (const cohort of cohorts) {
    const rows = dates.flatMap((date) =>
      (
        [
          ['09:00', '12:30'],
          ['13:30', '17:00'],
        ] as const
      ).map(([start, end]) => {
        const b = sessionBounds(date, start, end, 'Europe/Paris');
        return { organisation_id, cohort_id: cohort.id, date, half_day: b.halfDay, starts_at: b.startsAt, ends_at: b.endsAt, location: 'Salle 1' };
      }),
    );
    const sessions = await db.insertInto('sessions').values(rows).returning('id').execute();
    await db.insertInto('session_trainers').values(sessions.map((s) => ({ organisation_id, session_id: s.id, person_id: trainer.id }))).execute();
  }
  const key = generateApiKey();
  await db.insertInto('api_keys').values({ organisation_id, name: 'bench', prefix: key.prefix, key_hash: key.hash, scope: 'read' }).execute();
  await sql`ANALYZE`.execute(db);
  return { organisationId: organisation_id, apiKey: key.key };
}

function runLoad(url: string, headers: Record<string, string>, opts: { connections?: number; rate?: number } = {}): Promise<LoadResult> {
  const bin = join(import.meta.dirname, '..', 'node_modules', 'autocannon', 'autocannon.js');
  const headerArgs = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, '-j', '-c', String(opts.connections ?? CONNECTIONS), '-d', String(DURATION), ...(opts.rate ? ['-R', String(opts.rate)] : []), ...headerArgs, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const r = JSON.parse(out);
      resolve({
        requestsPerSecond: Math.round(r.requests.average),
        latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
        requests: r.requests.total,
        errors: r.errors,
        non2xx: r.non2xx,
        bytesPerResponse: r.requests.total ? Math.round(r.throughput.total / r.requests.total) : 0,
      });
    });
  });
}

const mib = (bytes: number) => Math.round(bytes / 1048576);

/** `READERS` clients read the week while one client probes /health at 20 requests/s; RSS before, at the end, 10 s after. */
async function healthUnderLoad(apiUrl: string, apiKey: string, healthUrl: string) {
  const rssBeforeMiB = mib(process.memoryUsage().rss);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 250);
  const [readers, health] = await Promise.all([runLoad(apiUrl, { authorization: `Bearer ${apiKey}` }, { connections: READERS }), runLoad(healthUrl, {}, { connections: 1, rate: 20 })]);
  clearInterval(sampler);
  const rssEndMiB = mib(process.memoryUsage().rss);
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  return { readers: READERS, reads: readers, health, rssMiB: { before: rssBeforeMiB, peak: mib(peak), end: rssEndMiB, after10s: mib(process.memoryUsage().rss) } };
}

async function benchDatabase(kind: 'pglite' | 'postgres') {
  const bench = await createBenchDatabase(kind, { name: 'api', poolSize: CONNECTIONS });
  const { db } = bench;
  try {
    await migrateOrThrow(db);
    const t0 = performance.now();
    const { organisationId, apiKey } = await seed(db);
    const seedMs = Math.round(performance.now() - t0);

    const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent', SEED_DEMO: 'false', PORT: '0' });
    const app = await createApp({ config, db, clock: systemClock, mailTransport: null });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const apiPort = (app.server.address() as { port: number }).port;

    const bare = Fastify({ logger: false });
    bare.get('/bare', async () => ({ status: 'ok' }));
    bare.get('/sql', async () => {
      const rows = await sql`
        SELECT s.id, s.cohort_id, c.name AS cohort_name, p.title AS program_title, s.module_id, s.date, s.half_day,
               s.starts_at, s.ends_at, s.location, s.remote_url, s.capacity, s.status,
               coalesce((SELECT array_agg(st.person_id) FROM session_trainers st WHERE st.organisation_id = s.organisation_id AND st.session_id = s.id), '{}') AS trainer_ids
        FROM sessions s
        JOIN cohorts c ON c.organisation_id = s.organisation_id AND c.id = s.cohort_id
        JOIN programs p ON p.organisation_id = c.organisation_id AND p.id = c.program_id
        WHERE s.organisation_id = ${organisationId} AND s.date BETWEEN ${WEEK.from} AND ${WEEK.to}
        ORDER BY s.starts_at, s.id LIMIT 100`.execute(db);
      return rows.rows;
    });
    await bare.listen({ port: 0, host: '127.0.0.1' });
    const barePort = (bare.server.address() as { port: number }).port;

    const apiUrl = `http://127.0.0.1:${apiPort}/api/v1/sessions?from=${WEEK.from}&to=${WEEK.to}&limit=100`;
    const probe = await fetch(apiUrl, { headers: { authorization: `Bearer ${apiKey}` } });
    const probeBody = (await probe.json()) as { items?: unknown[] };
    if (probe.status !== 200 || !Array.isArray(probeBody.items)) throw new Error(`sessions endpoint answered ${probe.status}: ${JSON.stringify(probeBody).slice(0, 300)}`);

    const dataset = { learners: LEARNERS, cohorts: COHORTS, sessions: COHORTS * SESSIONS_PER_COHORT, week: WEEK, sessionsReturned: probeBody.items.length, seedMs };
    const references = args['health-only']
      ? {}
      : {
          api: await runLoad(apiUrl, { authorization: `Bearer ${apiKey}` }),
          sql: await runLoad(`http://127.0.0.1:${barePort}/sql`, {}),
          bare: await runLoad(`http://127.0.0.1:${barePort}/bare`, {}),
        };
    const result = { dataset, ...references, healthUnderLoad: await healthUnderLoad(apiUrl, apiKey, `http://127.0.0.1:${apiPort}/health`) };
    await app.close();
    await bare.close();
    return result;
  } finally {
    await bench.dispose();
  }
}

const kinds = args.db === 'both' ? (['pglite', 'postgres'] as const) : [args.db as 'pglite' | 'postgres'];
const results: Record<string, unknown> = {};
for (const kind of kinds) {
  console.error(`bench:api on ${kind}: seeding and measuring (${DURATION}s × 3 targets, ${CONNECTIONS} connections)…`);
  results[kind] = await benchDatabase(kind);
}
const report = {
  benchmark: 'api',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  settings: { durationSeconds: DURATION, connections: CONNECTIONS, readers: READERS },
  results,
};
const json = `${JSON.stringify(report, null, 2)}\n`;
if (args.json) writeFileSync(args.json, json);
process.stdout.write(json);
