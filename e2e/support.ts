import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../src/app.ts';
import { buildWebIfNeeded } from '../scripts/build-web-if-needed.ts';
import { loadConfig } from '../src/config.ts';
import { seedDemo } from '../src/modules/demo/seed-demo.ts';
import type { Db } from '../src/platform/db/database.ts';
import { type Clock, FixedClock, systemClock } from '../src/platform/clock.ts';
import type { MailTransport } from '../src/platform/mail/mail-transport.ts';
import { createTestDatabase } from '../test/database.ts';

/** Helpers of the browser journeys: the real server on a free port, Debian's Chromium, axe-core, screenshots. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT_DIRS = [join(ROOT, 'test-results', 'screenshots'), ...(process.env.UPDATE_SCREENSHOTS === '1' ? [join(ROOT, 'docs', 'screenshots')] : [])];

export interface Credentials {
  email: string;
  password: string;
}

export interface RunningServer {
  url: string;
  db: Db;
  admin: Credentials;
  /** A demo learner (signs in by magic link). */
  learnerEmail: string;
  /** A demo trainer (password). */
  trainer: Credentials;
  close(): Promise<void>;
}

/**
 * Builds the web app when stale, then starts the real app on 127.0.0.1:<free port>
 * with a fresh migrated database (PGlite in memory, or PostgreSQL with
 * EMARGE_TEST_DB=postgres) holding the demo organisation. The server's clock is
 * fixed at `now`, or the real one with `realClock` (rotating QR codes, signing windows).
 */
export async function startServer(opts: {
  now: string;
  realClock?: boolean;
  /** A clock the journey moves itself (e.g. to the end of a session). */
  clock?: Clock;
  /** Real mail delivery (e.g. to a loopback SMTP server); the outbox only by default. */
  mailTransport?: MailTransport;
  /** A fixed port, so that PUBLIC_URL (in `env`) can name it; a free one by default. */
  port?: number;
  env?: Record<string, string>;
}): Promise<RunningServer> {
  buildWebIfNeeded({ quiet: true });
  const database = await createTestDatabase();
  const { admin, learnerEmail, trainer } = await seedDemoOrganisation(database.db, new Date(opts.now));
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', SEED_DEMO: 'false', DATA_DIR: '/tmp/emarge-e2e', RATE_LIMIT_SIGN_IN_PER_MINUTE: '100', ...opts.env });
  const clock = opts.clock ?? (opts.realClock ? systemClock : new FixedClock(opts.now));
  const app: FastifyInstance = await createApp({ config: { ...config, database: database.config }, db: database.db, clock, mailTransport: opts.mailTransport ?? null });
  await app.listen({ port: opts.port ?? 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    db: database.db,
    admin,
    learnerEmail,
    trainer,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

/** The demo organisation (src/modules/demo/seed-demo.ts) and its admin's password login. */
async function seedDemoOrganisation(db: Db, now: Date): Promise<{ admin: Credentials; learnerEmail: string; trainer: Credentials }> {
  const seeded = await seedDemo(db, { now });
  const admin = seeded.logins.find((l) => l.role === 'admin' && l.password);
  if (!admin?.password) throw new Error('seedDemo() returned no admin login with a password');
  const learner = seeded.logins.find((l) => l.role === 'learner');
  if (!learner) throw new Error('seedDemo() returned no learner login');
  const trainer = seeded.logins.find((l) => l.role === 'trainer' && l.password);
  if (!trainer?.password) throw new Error('seedDemo() returned no trainer login with a password');
  return { admin: { email: admin.email, password: admin.password }, learnerEmail: learner.email, trainer: { email: trainer.email, password: trainer.password } };
}

/**
 * Debian's Chromium, with a watch on the server's Content-Security-Policy: every
 * page of every context reports CSP violations (Chromium logs them on the
 * console), and `browser.close()` fails the journey naming them.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH).`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Debian's Chromium takes its UI language (native widgets such as the file picker) from LANGUAGE.
    env: { ...process.env, LANGUAGE: 'fr' },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--lang=fr-FR'],
  });
  const violations: string[] = [];
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    context.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(`${message.location().url}: ${message.text()}`);
    });
    return context;
  };
  browser.newPage = async (options) => {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    page.once('close', () => void context.close().catch(() => undefined));
    return page;
  };
  const close = browser.close.bind(browser);
  browser.close = async (options) => {
    await close(options);
    if (violations.length > 0) throw new Error(`Content-Security-Policy violations in the journey:\n${[...new Set(violations)].join('\n')}`);
  };
  return browser;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/** Runs axe-core on the page; returns the violations of serious or critical impact. */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  // Let finite transitions (a dialog fading in) end first: mid-fade colours are not what a reader sees.
  await page
    .waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getComputedTiming().endTime === Infinity), null, { timeout: 3000 })
    .catch(() => undefined);
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== 'undefined');
  // Evaluated rather than added as a <script> element, which the server's CSP refuses (no inline script).
  if (!loaded) await page.evaluate(readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8'));
  const result = (await page.evaluate(() => (window as unknown as { axe: { run(): Promise<unknown> } }).axe.run())) as { violations: AxeViolation[] };
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.slice(0, 5).map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary?.replace(/\s+/g, ' ') ?? ''}`).join('\n')}`)
    .join('\n');
}

/** Saves a screenshot under test-results/screenshots (and docs/screenshots with UPDATE_SCREENSHOTS=1). */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  for (const dir of SCREENSHOT_DIRS) {
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, name), fullPage: opts.fullPage ?? false });
  }
}
