import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { createApp } from '../src/app.ts';
import { type Config, loadConfig } from '../src/config.ts';
import { FixedClock } from '../src/platform/clock.ts';
import type { Db } from '../src/platform/db/database.ts';
import type { MailTransport } from '../src/platform/mail/mail-transport.ts';
import { createTestDatabase } from './database.ts';

export interface TestContext {
  app: FastifyInstance;
  db: Db;
  config: Config;
  clock: FixedClock;
  /** inject() with JSON parsed; `as` adds the auth headers of a factory-made identity. */
  request(opts: InjectOptions & { as?: AuthHeaders }): Promise<LightMyRequestResponse & { json<T = any>(): T }>;
  close(): Promise<void>;
}

export type AuthHeaders = Record<string, string>;

/** A fresh database and app for one test file; the clock starts on a Monday morning in Paris. */
export async function createTestContext(opts: { env?: Record<string, string>; mailTransport?: MailTransport | null; now?: string } = {}): Promise<TestContext> {
  const database = await createTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', SEED_DEMO: 'false', DATA_DIR: '/tmp/emarge-test', ...opts.env });
  const clock = new FixedClock(opts.now ?? '2026-03-02T07:00:00Z');
  const app = await createApp({ config: { ...config, database: database.config }, db: database.db, clock, mailTransport: opts.mailTransport ?? null });
  await app.ready();
  return {
    app,
    db: database.db,
    config,
    clock,
    request: ({ as, ...o }) => app.inject({ ...o, headers: { ...(as ?? {}), ...(o.headers ?? {}) } }) as never,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
