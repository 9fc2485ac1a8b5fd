import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { unzipSync } from 'fflate';
import type { FastifyInstance } from 'fastify';
import jsQRModule from 'jsqr';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { PNG } from 'pngjs';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { sql } from 'kysely';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { sealAllEvidence } from '../src/modules/attendance/seal-evidence.ts';
import { seedDemo } from '../src/modules/demo/seed-demo.ts';
import { documentsJobHandlers } from '../src/modules/documents/run-export-job.ts';
import { buildWebIfNeeded } from '../scripts/build-web-if-needed.ts';
import type { Clock } from '../src/platform/clock.ts';
import { createDatabase, type Db } from '../src/platform/db/database.ts';
import { migrateOrThrow } from '../src/platform/db/migrate.ts';
import { withSystem } from '../src/platform/db/tenant.ts';
import { JobRunner } from '../src/platform/jobs/job-queue.ts';
import { createMailTransport } from '../src/platform/mail/smtp-transport.ts';
import { createTestDatabase, TEST_DB_KIND } from '../test/database.ts';
import { startSmtpServer } from '../test/smtp-server.ts';
import { describeViolations, launchBrowser, ROOT, screenshot, seriousA11yViolations } from './support.ts';

/**
 * A week of attendance of the demo cohort as new users would live it, in real
 * Chromium against the real server, its mail going over SMTP to a server on
 * loopback and its export jobs run by a JobRunner. The server's clock is the
 * real one shifted (time travel): each half-day is lived at its own hour while
 * QR codes still rotate in real time.
 *
 * - Monday morning: two learners sign by QR code (the code IMAGE decoded with
 *   jsQR) on their phones, one by the personal link of the mail the trainer
 *   sends, one at the kiosk on the trainer's screen (keyboard only: name,
 *   arrow keys on the pad, button); the trainer marks one late with a reason,
 *   signs and locks (the others become absent).
 * - Monday afternoon (a late QR signature, a link) and Tuesday morning (QR
 *   codes), each locked.
 * - The rest of the week, Tuesday afternoon to Friday: each half-day signed
 *   by QR codes, a personal link and the kiosk, one learner marked late, then
 *   locked; the weekly sheet is sealed and holds every signature of the week.
 * - A learner absent on Monday justifies both half-days on their phone with a
 *   PDF (asking again for Monday morning is refused, said half-day by
 *   half-day); a manager opens the file and accepts by keyboard; both sheets
 *   show the learner excused.
 * - The manager amends a locked sheet with a reason and sees the new version
 *   in the sheet's history.
 * - The manager exports the cohort's sheets as a ZIP (progress seen); every
 *   PDF in it passes pdfsig and renders with pdftoppm.
 * - The verification page (phone) accepts a sheet's code typed by keyboard and
 *   the PDF itself, and refuses a copy with one byte changed.
 * - `emarge verify --org ID` passes, then names the evidence entry changed by
 *   hand in the database.
 * axe-core (serious/critical) on every page, desktop and phone (375 px).
 */
const TZ = 'Europe/Paris';
const COHORT = 'DWWM — Groupe A';
const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ?? jsQRModule) as typeof jsQRModule.default;

/** The real clock shifted by `offset`: the server lives each half-day at its hour, time still flows. */
class TravelClock implements Clock {
  offset = 0;
  now(): Date {
    return new Date(Date.now() + this.offset);
  }
  travelTo(at: Date): void {
    this.offset = at.getTime() - Date.now();
  }
}

interface Mail {
  to: string[];
  subject: string;
  text: string;
}

/** What the loopback SMTP server received, decoded (Subject and text/plain part). */
const receivedMails = (): Mail[] => smtp.received.map((m) => ({ to: m.to, ...parseMessage(m.raw) }));

/** The Subject and the decoded text/plain part of a raw MIME message. */
function parseMessage(raw: string): { subject: string; text: string } {
  const [head] = raw.split(/\r?\n\r?\n/, 1);
  const unfolded = head!.replace(/\r?\n[ \t]+/g, ' ');
  const subject = decodeWords(/^Subject: (.*)$/im.exec(unfolded)?.[1] ?? '');
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(unfolded)?.[1];
  const parts = boundary ? raw.split(`--${boundary}`) : [raw];
  const plain = parts.find((p) => /Content-Type: text\/plain/i.test(p)) ?? raw;
  const split = plain.search(/\r?\n\r?\n/);
  const headers = plain.slice(0, split);
  const body = plain.slice(split).trim();
  const encoding = /Content-Transfer-Encoding: (\S+)/i.exec(headers)?.[1]?.toLowerCase();
  let text = body;
  if (encoding === 'base64') text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  else if (encoding === 'quoted-printable') {
    const joined = body.replace(/=\r?\n/g, '');
    const bytes: number[] = [];
    for (let i = 0; i < joined.length; i++) {
      if (joined[i] === '=' && /^[0-9A-F]{2}$/i.test(joined.slice(i + 1, i + 3))) {
        bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(...Buffer.from(joined[i]!, 'utf8'));
    }
    text = Buffer.from(bytes).toString('utf8');
  }
  return { subject, text: text.replace(/\r\n/g, '\n') };
}

/** RFC 2047 encoded words (=?UTF-8?Q?…?= / =?UTF-8?B?…?=) of a header, decoded (adjacent words joined byte-wise). */
function decodeWords(header: string): string {
  const word = /=\?UTF-8\?([QB])\?([^?]*)\?=/gi;
  return header.replace(/(?:=\?UTF-8\?[QB]\?[^?]*\?=\s*)+/gi, (run) => {
    const bytes = [...run.matchAll(word)].map(([, enc, data]) =>
      enc!.toUpperCase() === 'B' ? Buffer.from(data!, 'base64') : Buffer.from(data!.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1'),
    );
    return Buffer.concat(bytes).toString('utf8');
  });
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

interface SessionRow {
  id: string;
  date: string;
  startsAt: string;
  endsAt: string;
  status: string;
}
interface Learner {
  id: string;
  email: string;
  name: string;
}

const dataDir = mkdtempSync('/tmp/emarge-week-');
const downloads = join(dataDir, 'downloads');
const clock = new TravelClock();
let dbEnv: Record<string, string> = {};
let openDb: () => Db;
let dropDatabase: () => Promise<void> = async () => undefined;
let db: Db;
let app: FastifyInstance;
let jobs: JobRunner;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let url = '';
let browser: Browser;
let organisationId = '';
let admin = { email: '', password: '' };
let trainerLogin = { email: '', password: '' };
let sessions: SessionRow[] = [];
let learners: Learner[] = [];
let serverClosed = false;
const errors: string[] = [];
// Shared along the week: the trainer's desktop, learners' phones.
let trainerContext: BrowserContext;
let trainer: Page;
let manager: Page;
let sheetPdf = '';
let sheetCode = '';
const phones = new Map<string, Page>();

before(async () => {
  buildWebIfNeeded({ quiet: true });
  mkdirSync(downloads, { recursive: true });
  // The server's own database, which `emarge verify` opens afterwards with the same DATA_DIR / DATABASE_URL.
  if (TEST_DB_KIND === 'postgres') {
    const database = await createTestDatabase();
    const dbUrl = (database.config as { url: string }).url;
    db = database.db;
    dbEnv = { DATABASE_URL: dbUrl };
    openDb = () => createDatabase({ kind: 'postgres', url: dbUrl, poolSize: 2 });
    dropDatabase = database.drop;
  } else {
    db = createDatabase({ kind: 'pglite', dataDir: join(dataDir, 'pglite') });
    await migrateOrThrow(db);
    openDb = () => createDatabase({ kind: 'pglite', dataDir: join(dataDir, 'pglite') });
  }
  // The demo organisation seeded on the Monday of this week at 08:00 (Paris): its cohorts have two weeks of half-days from then.
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(new Date());
  const weekday = (new Date(`${today}T12:00:00Z`).getUTCDay() + 6) % 7;
  const monday = new Date(Date.parse(`${today}T12:00:00Z`) - weekday * 86_400_000).toISOString().slice(0, 10);
  clock.travelTo(new Date(`${monday}T07:00:00Z`));
  const seeded = await seedDemo(db, { now: clock.now() });
  organisationId = seeded.organisation.id;
  const a = seeded.logins.find((l) => l.role === 'admin' && l.password)!;
  const t = seeded.logins.find((l) => l.role === 'trainer' && l.password && /Groupe A/.test(l.note ?? ''))!;
  admin = { email: a.email, password: a.password! };
  trainerLogin = { email: t.email, password: t.password! };

  smtp = await startSmtpServer();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    SEED_DEMO: 'false',
    DATA_DIR: dataDir,
    PUBLIC_URL: url,
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    SESSION_TTL_HOURS: String(24 * 30),
    RATE_LIMIT_SIGN_IN_PER_MINUTE: '100',
    ...dbEnv,
  });
  app = await createApp({ config, db, clock, mailTransport: createMailTransport(config) });
  await app.listen({ port, host: '127.0.0.1' });
  app.mail.start(250);
  jobs = new JobRunner({ db, clock, handlers: documentsJobHandlers({ db, clock, config }), onError: (err) => errors.push(`job: ${String(err)}`) });
  jobs.start(300);
  browser = await launchBrowser();

  // The cohort's half-days and learners, as the admin sees them through the API.
  const api = (await newContext('desktop')).request;
  const signIn = await api.post('/api/v1/auth/sign-in', { data: admin });
  assert.equal(signIn.status(), 200, await signIn.text());
  const cohorts = (await (await api.get('/api/v1/cohorts', { params: { limit: 200 } })).json()) as { items: Array<{ id: string; name: string }> };
  const cohort = cohorts.items.find((c) => c.name === COHORT);
  assert.ok(cohort, `the demo cohort ${COHORT} exists`);
  const list = (await (await api.get('/api/v1/sessions', { params: { from: monday, to: new Date(Date.parse(monday) + 13 * 86_400_000).toISOString().slice(0, 10), cohortId: cohort.id } })).json()) as { items: SessionRow[] };
  sessions = list.items.filter((s) => s.status !== 'cancelled').sort((x, y) => x.startsAt.localeCompare(y.startsAt));
  assert.ok(sessions.length >= 3, `the demo cohort has half-days this week (${sessions.length})`);
  const people = (await (await api.get('/api/v1/people', { params: { cohortId: cohort.id, role: 'learner', limit: 100 } })).json()) as { items: Array<{ id: string; email: string; givenName: string; familyName: string }> };
  learners = people.items.map((p) => ({ id: p.id, email: p.email, name: `${p.givenName} ${p.familyName}` })).sort((x, y) => x.email.localeCompare(y.email));
  assert.ok(learners.length >= 8, 'the demo cohort has learners');
  await api.dispose();
});

after(async () => {
  await browser?.close();
  if (!serverClosed) await closeServer();
  await smtp?.close();
  await dropDatabase();
  rmSync(dataDir, { recursive: true, force: true });
});

async function closeServer(): Promise<void> {
  serverClosed = true;
  await jobs?.stop();
  await app?.close();
  if (TEST_DB_KIND !== 'postgres') await db?.destroy();
}

async function newContext(kind: 'desktop' | 'phone'): Promise<BrowserContext> {
  const phone = kind === 'phone';
  const context = await browser.newContext({
    viewport: phone ? { width: 375, height: 812 } : { width: 1280, height: 900 },
    locale: 'fr-FR',
    timezoneId: TZ,
    baseURL: url,
    isMobile: phone,
    hasTouch: phone,
    acceptDownloads: true,
  });
  context.on('page', (p) => p.on('pageerror', (e) => errors.push(`${p.url()}: ${e.message}`)));
  return context;
}

async function assertAccessible(page: Page, where: string): Promise<void> {
  const violations = await seriousA11yViolations(page);
  assert.equal(violations.length, 0, `axe-core: serious/critical violations on ${where}:\n${describeViolations(violations)}`);
}

/** The newest mail to `email` whose text matches `pattern`, waiting for its delivery over SMTP. */
async function mailTo(email: string, pattern: RegExp, since = 0): Promise<{ mail: Mail; match: RegExpExecArray }> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    for (const mail of receivedMails().slice(since).reverse()) {
      const match = mail.to.includes(email) ? pattern.exec(mail.text) : null;
      if (match) return { mail, match };
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${email} matching ${pattern} (received: ${receivedMails().map((m) => `${m.to.join(',')} "${m.subject}"`).join('; ')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A learner on their phone asks for a sign-in link and opens the one in the mail they receive. */
async function learnerPhone(learner: Learner): Promise<Page> {
  const existing = phones.get(learner.id);
  if (existing) return existing;
  const page = await (await newContext('phone')).newPage();
  const since = smtp.received.length;
  const first = phones.size === 0;
  await page.goto('/sign-in');
  await page.getByRole('button', { name: 'Recevoir un lien de connexion par e-mail' }).click();
  await page.getByLabel('Adresse e-mail').fill(learner.email);
  if (first) await assertAccessible(page, 'sign-in by link (phone)');
  await page.getByRole('button', { name: 'Recevoir le lien' }).click();
  await page.getByText('Vérifiez votre messagerie').waitFor();
  const { match } = await mailTo(learner.email, /(https?:\/\/\S+\/auth\/magic\?token=[\w-]+)/, since);
  await page.goto(match[1]!);
  await page.getByRole('heading', { name: 'Mes séances' }).waitFor();
  if (first) await assertAccessible(page, "learner's sessions (phone)");
  phones.set(learner.id, page);
  return page;
}

/** Draws a signature-like zigzag with the pointer on a pad. */
async function drawSignature(page: Page, pad: Locator): Promise<void> {
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  assert.ok(box, 'the signature pad is visible');
  const y = box.y + box.height * 0.6;
  await page.mouse.move(box.x + box.width * 0.1, y);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) await page.mouse.move(box.x + box.width * (0.1 + i * 0.09), y + (i % 2 ? -1 : 1) * box.height * 0.2, { steps: 2 });
  await page.mouse.up();
}

/** What a phone camera reads: the QR image screenshotted and decoded; waits for a fresh code when this one is about to expire. */
async function scanQr(page: Page): Promise<string> {
  const qr = page.getByTestId('qr-code');
  await qr.waitFor();
  const expires = (await qr.getAttribute('data-expires-at')) ?? '';
  if (Date.parse(expires) - clock.now().getTime() < 5_000) {
    await page.waitForFunction((before) => document.querySelector('[data-testid="qr-code"]')?.getAttribute('data-expires-at') !== before, expires, { timeout: 25_000 });
  }
  const png = PNG.sync.read(await qr.screenshot());
  const decoded = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength), png.width, png.height);
  assert.ok(decoded, 'the QR code image decodes');
  return decoded.data;
}

/** The learner points their phone at the projected code and signs. */
async function signByQr(learner: Learner, where: string, opts: { late?: boolean; audit?: boolean } = {}): Promise<void> {
  const phone = await learnerPhone(learner);
  const scanned = new URL(await scanQr(trainer));
  assert.equal(scanned.origin, url, 'the QR code points at this server');
  await phone.goto(scanned.pathname + scanned.search);
  await phone.getByRole('heading', { name: 'Émargement' }).waitFor();
  await phone.getByTestId('signer-name').getByText(learner.name).waitFor();
  await drawSignature(phone, phone.getByTestId('signature-pad'));
  if (opts.audit) await assertAccessible(phone, `QR signing page (phone, ${where})`);
  await phone.getByRole('button', { name: 'Signer ma présence' }).click();
  const signed = phone.getByTestId('signed');
  await signed.getByText('Présence signée').waitFor();
  await signed.getByText(/Signé le .*\(Europe\/Paris\)\./).waitFor();
  if (opts.late) await signed.getByText(/^Retard enregistré : \d+ minutes?\.$/).waitFor();
  if (opts.audit) await assertAccessible(phone, `QR signed (phone, ${where})`);
}

/** The trainer opens the live page of a half-day, lived at `minutesIn` minutes after its start. */
async function openLive(session: SessionRow, minutesIn: number): Promise<Locator> {
  clock.travelTo(new Date(Date.parse(session.startsAt) + minutesIn * 60_000));
  await trainer.goto(`/sessions/${session.id}/live`);
  await trainer.getByRole('heading', { name: /^Émargement en direct/ }).waitFor();
  await trainer.getByTestId('live-state').getByText('En direct').waitFor();
  await trainer.getByTestId('qr-code').waitFor();
  return trainer.getByTestId('live-roster');
}

function rowOf(roster: Locator, learner: Learner): Locator {
  return roster.locator(`tr[data-person="${learner.name}"]`);
}

/** The trainer sends the personal links; the learner opens the one from their mail on a phone without signing in. */
async function signByLink(learner: Learner, audit: boolean): Promise<void> {
  const since = smtp.received.length;
  await trainer.getByRole('button', { name: 'Envoyer les liens de signature aux non-signataires' }).click();
  await trainer.getByText(/^\d+ liens? envoyés?\.$/).waitFor();
  const { mail, match } = await mailTo(learner.email, /(https?:\/\/\S+\/sign\/link\?token=[\w-]+)/, since);
  assert.match(mail.subject, /Émargement/);
  const page = await (await newContext('phone')).newPage();
  await page.goto(match[1]!);
  await page.getByRole('heading', { name: 'Émargement' }).waitFor();
  await page.getByTestId('signer-name').getByText(learner.name).waitFor();
  await page.getByTestId('window-state').getByText('Émargement ouvert').waitFor();
  await page.getByTestId('signing-session').getByText(COHORT).waitFor();
  await drawSignature(page, page.getByTestId('signature-pad'));
  if (audit) await assertAccessible(page, 'personal link signing page (phone)');
  await page.getByRole('button', { name: 'Signer ma présence' }).click();
  await page.getByTestId('signed').getByText('Présence signée').waitFor();
  if (audit) {
    await assertAccessible(page, 'personal link signed (phone)');
    await screenshot(page, 'learner-sign-link-mobile.png', { fullPage: true });
  }
  // The same link again: already used, it says so.
  await page.reload();
  await page.getByTestId('signed').getByText('Vous aviez déjà signé cette séance').waitFor();
  await page.context().close();
}

/** The trainer signs on their pad and locks; the confirmation names how many become absent. */
async function signAndLock(pendingCount: number): Promise<void> {
  await drawSignature(trainer, trainer.getByTestId('signature-pad'));
  await trainer.getByTestId('sign-and-lock').click();
  const dialog = trainer.getByRole('dialog');
  if (pendingCount === 1) await dialog.getByText(/1 apprenant n'a pas signé et sera marqué absent/).waitFor();
  else await dialog.getByText(new RegExp(`${pendingCount} apprenants n'ont pas signé et seront marqués absents`)).waitFor();
  await dialog.getByRole('button', { name: 'Signer et verrouiller' }).click();
  await trainer.getByTestId('sheet-locked').getByText('Feuille verrouillée').waitFor();
}

/** A learner signs on the trainer's screen in kiosk mode (touch: their name, then the pad). */
async function signAtKiosk(learner: Learner): Promise<void> {
  await trainer.getByRole('button', { name: 'Mode borne' }).click();
  const kiosk = trainer.getByTestId('kiosk');
  await kiosk.getByRole('button', { name: learner.name, exact: true }).click();
  await kiosk.getByText(`Je suis ${learner.name}`).waitFor();
  await drawSignature(trainer, kiosk.getByTestId('signature-pad'));
  await kiosk.getByRole('button', { name: 'Signer ma présence' }).click();
  await kiosk.getByText(`Merci ${learner.name} !`).waitFor();
  await trainer.getByRole('button', { name: 'Quitter le mode borne' }).first().click();
}

/** The trainer marks a learner late, with the reason the API requires. */
async function markLate(roster: Locator, learner: Learner, minutes: number, reason: string): Promise<void> {
  await rowOf(roster, learner).getByRole('button', { name: `Marquer ${learner.name}` }).click();
  const dialog = trainer.getByRole('dialog');
  await dialog.getByLabel('Statut').click();
  await trainer.getByRole('option', { name: 'En retard' }).click();
  await dialog.getByLabel('Minutes de retard').fill(String(minutes));
  await dialog.getByLabel('Motif').fill(reason);
  await dialog.getByRole('button', { name: 'Enregistrer' }).click();
  await dialog.waitFor({ state: 'detached' });
  await rowOf(roster, learner).and(trainer.locator('[data-status="late"]')).waitFor();
}

test('Monday morning: QR codes on phones, a personal link from the mail, the kiosk, a late mark with its reason, signed and locked', async () => {
  const [s1] = sessions;
  const [l1, l2, l3, l4, l5] = learners;
  trainerContext = await newContext('desktop');
  trainer = await trainerContext.newPage();
  await trainer.goto('/sign-in');
  await trainer.getByLabel('Adresse e-mail').fill(trainerLogin.email);
  await trainer.getByLabel('Mot de passe').fill(trainerLogin.password);
  await assertAccessible(trainer, 'sign-in');
  await trainer.getByRole('button', { name: 'Se connecter' }).click();
  await trainer.getByRole('navigation').waitFor();
  const roster = await openLive(s1!, 2);
  await assertAccessible(trainer, 'live session (Monday morning)');

  await signByQr(l1!, 'Monday morning', { audit: true });
  await signByQr(l2!, 'Monday morning');
  await trainer.getByTestId('signed-count').getByText(/^2 \/ \d+ signés$/).waitFor({ timeout: 10_000 });

  await signByLink(l3!, true);
  await rowOf(roster, l3!).and(trainer.locator('[data-status="present"]')).waitFor({ timeout: 10_000 });
  await rowOf(roster, l3!).getByText('Lien personnel').waitFor();

  // Kiosk, with the keyboard only: the learner tabs to their name, draws with the arrow keys, tabs to the button.
  await trainer.getByRole('button', { name: 'Mode borne' }).click();
  const kiosk = trainer.getByTestId('kiosk');
  await kiosk.getByText('Touchez votre nom, puis signez.').waitFor();
  await assertAccessible(trainer, 'kiosk: pick your name');
  await kiosk.getByRole('button', { name: 'Quitter le mode borne' }).focus();
  for (let i = 0; i < learners.length + 1; i++) {
    await trainer.keyboard.press('Tab');
    if ((await trainer.evaluate(() => document.activeElement?.textContent)) === l4!.name) break;
  }
  assert.equal(await trainer.evaluate(() => document.activeElement?.textContent), l4!.name, 'Tab reaches the name');
  await trainer.keyboard.press('Enter');
  await kiosk.getByText(`Je suis ${l4!.name}`).waitFor();
  const kioskPad = kiosk.getByTestId('signature-pad');
  await trainer.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'signature-pad');
  for (const key of ['ArrowRight', 'ArrowRight', 'ArrowUp', 'ArrowRight', 'ArrowDown', 'ArrowDown', 'ArrowRight', 'ArrowUp', 'ArrowRight', 'ArrowRight', 'ArrowDown', 'ArrowRight']) {
    await trainer.keyboard.press(key, { delay: 20 });
  }
  await trainer.keyboard.press('Enter');
  await assertAccessible(trainer, 'kiosk: sign');
  const submit = kiosk.getByRole('button', { name: 'Signer ma présence' });
  for (let i = 0; i < 4 && !(await submit.evaluate((el) => el === document.activeElement)); i++) await trainer.keyboard.press('Tab');
  assert.ok(await submit.evaluate((el) => el === document.activeElement), 'Tab from the pad reaches "Signer ma présence"');
  await trainer.keyboard.press('Enter');
  await kiosk.getByText(`Merci ${l4!.name} !`).waitFor();
  await kiosk.getByRole('button', { name: l4!.name, exact: true }).waitFor({ state: 'detached' });
  await trainer.getByRole('button', { name: 'Quitter le mode borne' }).first().click();
  await rowOf(roster, l4!).getByText('Borne (formateur)').waitFor();

  // The trainer marks a learner who arrived late without signing: a reason is required.
  await rowOf(roster, l5!).getByRole('button', { name: `Marquer ${l5!.name}` }).click();
  const dialog = trainer.getByRole('dialog');
  await dialog.getByLabel('Statut').click();
  await trainer.getByRole('option', { name: 'En retard' }).click();
  await dialog.getByLabel('Minutes de retard').fill('25');
  await dialog.getByRole('button', { name: 'Enregistrer' }).click();
  await dialog.getByText(/body\.reason/).waitFor();
  await dialog.getByLabel('Motif').fill('Arrivé à 9 h 25 (train en retard), présence constatée');
  await assertAccessible(trainer, 'mark dialog');
  await dialog.getByRole('button', { name: 'Enregistrer' }).click();
  await dialog.waitFor({ state: 'detached' });
  await rowOf(roster, l5!).and(trainer.locator('[data-status="late"]')).waitFor();
  await rowOf(roster, l5!).getByText('25 min de retard').waitFor();
  await rowOf(roster, l5!).getByText('Marqué par le formateur').waitFor();
  await trainer.getByTestId('signed-count').getByText(`4 / ${learners.length} signés`).waitFor();

  await signAndLock(learners.length - 5);
  await trainer.getByTestId('sheet-locked').getByText(/^Verrouillée le \S+ \d+ \S+ \d{4}, \d{2}:\d{2} \(Europe\/Paris\)\.$/).waitFor();
  await assertAccessible(trainer, 'locked sheet (Monday morning)');
  await screenshot(trainer, 'trainer-live-locked.png');
});

test('Monday afternoon and Tuesday morning: a late QR signature, a personal link, QR codes, then locked', async () => {
  const [, s2, s3] = sessions;
  const [l1, l2, l3] = learners;
  const roster = await openLive(s2!, 9);
  await signByQr(l1!, 'Monday afternoon', { late: true });
  await rowOf(roster, l1!).and(trainer.locator('[data-status="late"]')).waitFor({ timeout: 10_000 });
  await signByLink(l3!, false);
  await trainer.getByTestId('signed-count').getByText(`2 / ${learners.length} signés`).waitFor({ timeout: 10_000 });
  await signAndLock(learners.length - 2);

  const roster3 = await openLive(s3!, 1);
  await signByQr(l2!, 'Tuesday morning');
  await signByQr(l1!, 'Tuesday morning');
  await rowOf(roster3, l1!).and(trainer.locator('[data-status="present"]')).waitFor({ timeout: 10_000 });
  await signAndLock(learners.length - 2);
});

test('an absent learner justifies two half-days on their phone with a PDF; a manager accepts by keyboard; the sheets say excused', async () => {
  const [s1, s2] = sessions;
  const absent = learners[6]!;
  clock.travelTo(new Date(Date.parse(sessions[2]!.endsAt) + 30 * 60_000));
  // A real PDF: the doctor's note, made with pdf-lib.
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595, 842]).drawText('Certificat medical - arret de travail du lundi', { x: 60, y: 760, size: 14, font });
  const pdfPath = join(downloads, 'certificat-medical.pdf');
  writeFileSync(pdfPath, await doc.save());

  const phone = await learnerPhone(absent);
  // On a phone the navigation sits behind the menu button.
  await phone.getByRole('button', { name: 'Ouvrir le menu' }).click();
  await phone.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Mes absences' }).click();
  await phone.getByRole('heading', { name: 'Mes absences' }).waitFor();
  await assertAccessible(phone, 'my absences (phone)');
  await phone.getByRole('link', { name: 'Justifier une absence' }).click();
  await phone.getByRole('heading', { name: 'Justifier une absence' }).waitFor();
  const group = phone.getByRole('group', { name: /Séances concernées/ });
  await group.getByRole('checkbox').first().waitFor();
  await assertAccessible(phone, 'justify an absence (phone)');
  for (const s of [s1!, s2!]) await group.locator(`input[value="${s.id}"]`).check();
  await phone.getByLabel('Motif').fill('Malade lundi, certificat médical joint.');
  const [chooser] = await Promise.all([phone.waitForEvent('filechooser'), phone.getByRole('button', { name: /Justificatif/ }).click()]);
  await chooser.setFiles(pdfPath);
  await phone.getByText('certificat-medical.pdf').waitFor();
  await screenshot(phone, 'justify-absence-mobile.png', { fullPage: true });
  await phone.getByRole('button', { name: 'Envoyer' }).click();
  await phone.getByRole('status').getByText('Justificatif envoyé').waitFor();
  await assertAccessible(phone, 'justification sent (phone)');
  // Monday morning again (the link of a reminder mail, ?session=…): refused, the page says which half-day and why.
  await phone.goto(`/absences/justify?session=${s1!.id}`);
  await group.locator(`input[value="${s1!.id}"]:checked`).waitFor();
  await phone.getByLabel('Motif').fill('Malade lundi matin.');
  await phone.getByRole('button', { name: 'Envoyer' }).click();
  const refused = phone.getByTestId('sessions-refused');
  await refused.getByText(/: déjà couverte par un justificatif en cours d'examen$/).waitFor();
  assert.doesNotMatch(await refused.innerText(), /[0-9a-f]{8}-[0-9a-f]{4}-/, 'no session id shown to the learner');
  await assertAccessible(phone, 'justification refused (phone)');
  await phone.getByRole('button', { name: 'Ouvrir le menu' }).click();
  await phone.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Mes absences' }).click();
  const mine = phone.getByTestId('justification');
  await mine.and(phone.locator('[data-status="pending"]')).waitFor();
  await mine.getByText(/Ouvrir le fichier \(PDF, \d+ Ko\)/).waitFor();

  // The manager reviews it with the keyboard only.
  const managerContext = await newContext('desktop');
  manager = await managerContext.newPage();
  await manager.goto('/sign-in');
  await manager.getByLabel('Adresse e-mail').focus();
  await manager.keyboard.type(admin.email);
  await manager.keyboard.press('Tab');
  await manager.keyboard.type(admin.password);
  await manager.keyboard.press('Enter');
  await manager.getByRole('navigation').waitFor();
  await manager.goto('/absences');
  await manager.getByRole('heading', { name: "Justificatifs d'absence" }).waitFor();
  const card = manager.getByTestId('justification').filter({ hasText: absent.name });
  await card.getByText('Malade lundi, certificat médical joint.').waitFor();
  await assertAccessible(manager, 'absences review');
  await screenshot(manager, 'absences-review.png');
  // The file the manager opens is the very PDF the learner sent.
  const href = await card.getByRole('link', { name: /Ouvrir le fichier \(PDF, \d+ Ko\)/ }).getAttribute('href');
  const sent = await manager.request.get(href!);
  assert.equal(sent.status(), 200);
  assert.match(sent.headers()['content-type'] ?? '', /application\/pdf/);
  assert.deepEqual(Buffer.from(await sent.body()), readFileSync(pdfPath));
  await card.getByLabel('Note').focus();
  await manager.keyboard.type('Certificat reçu, merci.');
  await manager.keyboard.press('Tab');
  assert.equal(await manager.evaluate(() => document.activeElement?.textContent), 'Accepter', 'Tab from the note reaches "Accepter"');
  await manager.keyboard.press('Enter');
  await manager.getByText('Aucun justificatif.').waitFor();
  await manager.getByRole('radio', { name: 'Accepté' }).focus();
  await manager.keyboard.press('Space');
  await card.and(manager.locator('[data-status="accepted"]')).waitFor();
  await card.getByText('Certificat reçu, merci.').waitFor();
  await assertAccessible(manager, 'absences review (accepted)');

  for (const s of [s1!, s2!]) {
    await manager.goto(`/attendance/sessions/${s.id}`);
    const records = manager.getByTestId('sheet-records');
    await records.getByText(absent.name).waitFor();
    await records.getByRole('row').filter({ hasText: absent.name }).getByText('Excusé').waitFor();
  }
  // The learner's phone says accepted too.
  await phone.reload();
  await phone.getByTestId('justification').and(phone.locator('[data-status="accepted"]')).waitFor();
  assert.deepEqual(errors, [], 'no uncaught error in the pages');
});

test('a manager amends a locked sheet with a reason and sees the new version', async () => {
  const s2 = sessions[1]!;
  const forgot = learners[7]!;
  await manager.goto(`/attendance/sessions/${s2.id}`);
  const records = manager.getByTestId('sheet-records');
  const row = records.getByRole('row').filter({ hasText: forgot.name });
  await row.getByText('Absent', { exact: true }).waitFor();
  const versionText = (await manager.getByText(/^version \d+$/).first().textContent()) ?? '';
  const version = Number(versionText.replace('version ', ''));
  await assertAccessible(manager, 'locked sheet detail');
  await row.getByRole('button', { name: `Rectifier la ligne de ${forgot.name}` }).click();
  const dialog = manager.getByRole('dialog', { name: `Rectifier : ${forgot.name}` });
  await dialog.getByText(`crée la version ${version + 1}`, { exact: false }).waitFor();
  await dialog.getByLabel('Statut').click();
  await manager.getByRole('option', { name: 'Présent' }).click();
  await dialog.getByLabel('Motif').fill("Présente toute l'après-midi, feuille papier signée (tablette en panne)");
  await assertAccessible(manager, 'amend dialog');
  await dialog.getByRole('button', { name: 'Rectifier' }).click();
  await dialog.waitFor({ state: 'detached' });
  await manager.getByText(`version ${version + 1}`, { exact: true }).first().waitFor();
  await row.getByText('Présent', { exact: true }).waitFor();
  await row.getByText("Présente toute l'après-midi", { exact: false }).waitFor();
  // The sheet's history names the new version, who made it, the change and the reason.
  const entry = manager.getByTestId('amendment-history').locator(`li[data-version="${version + 1}"]`);
  await entry.getByText(forgot.name, { exact: false }).waitFor();
  await entry.getByText("Présente toute l'après-midi", { exact: false }).waitFor();
  await assertAccessible(manager, 'amended sheet detail');
  assert.deepEqual(errors, [], 'no uncaught error in the pages');
});

test('the rest of the week, Tuesday afternoon to Friday: each half-day signed by QR, link and kiosk, a late mark, locked; the weekly sheet is sealed and holds every signature', async () => {
  const weekEnd = Date.parse(sessions[0]!.startsAt) + 5 * 86_400_000;
  const week = sessions.filter((s) => Date.parse(s.startsAt) < weekEnd);
  assert.ok(week.length >= 8, `the demo cohort has a week of half-days (${week.length})`);
  const n = learners.length;
  for (const [k, session] of week.slice(3).entries()) {
    const where = `half-day ${k + 4} of the week`;
    const roster = await openLive(session, 3);
    for (const learner of [learners[k % n]!, learners[(k + 1) % n]!, learners[(k + 2) % n]!]) await signByQr(learner, where);
    await signByLink(learners[(k + 3) % n]!, false);
    await signAtKiosk(learners[(k + 4) % n]!);
    await markLate(roster, learners[(k + 5) % n]!, 12, `Arrivée après le début (${where}), présence constatée`);
    await trainer.getByTestId('signed-count').getByText(`5 / ${n} signés`).waitFor({ timeout: 10_000 });
    await signAndLock(n - 6);
  }
  // Every half-day of the week is locked on the managers' list.
  await manager.goto('/attendance');
  for (const session of week) await manager.locator(`tr[data-session-id="${session.id}"]`).getByText('Verrouillée').waitFor();
  // The weekly sheet of the cohort: sealed, every learner named, one signature image per signature of the week.
  const documents = manager.getByTestId('cohort-documents').filter({ hasText: COHORT });
  const [weekly] = await Promise.all([manager.waitForEvent('download'), documents.getByRole('link', { name: /^Feuille hebdomadaire \(semaine du / }).click()]);
  const weeklyPdf = join(downloads, 'weekly.pdf');
  await weekly.saveAs(weeklyPdf);
  assert.match(await run('pdfsig', [weeklyPdf]), /Signature is Valid\./);
  const text = execFileSync('pdftotext', ['-layout', weeklyPdf, '-'], { encoding: 'utf8' });
  const names = await withSystem(db, (trx) => trx.selectFrom('people').select(['given_name', 'family_name']).where('id', 'in', learners.map((l) => l.id)).execute());
  for (const p of names) {
    const name = `${p.family_name.toLocaleUpperCase('fr-FR')} ${p.given_name}`;
    assert.ok(text.includes(name), `${name} is on the weekly sheet`);
  }
  const signed = await withSystem(db, (trx) => trx.selectFrom('attendance_records').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('session_id', 'in', week.map((s) => s.id)).where('signature_id', 'is not', null).executeTakeFirstOrThrow());
  const masks = execFileSync('pdfimages', ['-list', weeklyPdf], { encoding: 'utf8' }).split('\n').filter((line) => /^\s*\d+\s+\d+\s+smask\b/.test(line)).length;
  assert.ok(Number(signed.n) >= 5 * (week.length - 3) + 8, `signatures recorded this week: ${signed.n}`);
  assert.ok(masks >= Number(signed.n), `${masks} signature images on the weekly sheet for ${signed.n} signatures`);
  assert.deepEqual(errors, [], 'no uncaught error in the pages');
});

test("a manager exports the cohort's sheets as a ZIP, sees its progress, and every PDF in it is sealed and renders", async () => {
  await manager.goto('/attendance');
  await manager.getByRole('heading', { name: 'Émargement' }).waitFor();
  await manager.locator(`tr[data-session-id="${sessions[0]!.id}"]`).getByText('Verrouillée').waitFor();
  await assertAccessible(manager, 'sheet list');
  const documents = manager.getByTestId('cohort-documents').filter({ hasText: COHORT });
  // Whatever the pace of the job, every state the export shows is recorded.
  await manager.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { exportSeen: string[] }).exportSeen = seen;
    const record = () => {
      for (const el of document.querySelectorAll('[data-testid="cohort-documents"] [role="progressbar"], [data-testid="cohort-documents"] [role="status"]')) {
        const text = el.getAttribute('role') === 'progressbar' ? `progressbar ${el.getAttribute('aria-valuenow')}` : (el.textContent ?? '');
        if (!seen.includes(text)) seen.push(text);
      }
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  await documents.getByRole('button', { name: 'Exporter les feuilles (ZIP)' }).click();
  const ready = documents.getByTestId('export-sheets-download');
  await ready.waitFor({ timeout: 60_000 });
  const seen = await manager.evaluate(() => (window as unknown as { exportSeen: string[] }).exportSeen);
  assert.ok(seen.some((s) => s.startsWith('progressbar')), `the progress bar was shown: ${JSON.stringify(seen)}`);
  assert.ok(seen.some((s) => /^(\d+ \/ \d+ documents|En file d'attente…)$/.test(s)), `the progress was said: ${JSON.stringify(seen)}`);
  // The download button appears under the pointer: axe checks it at rest (its hover shade is reported separately).
  await manager.mouse.move(0, 0);
  await assertAccessible(manager, 'sheet list with the export ready');
  const [download] = await Promise.all([manager.waitForEvent('download'), ready.click()]);
  const zipPath = join(downloads, download.suggestedFilename());
  await download.saveAs(zipPath);
  assert.match(download.suggestedFilename(), /^feuilles-dwwm-groupe-a-\d+\.zip$/);
  const entries = unzipSync(readFileSync(zipPath));
  const names = Object.keys(entries).filter((n) => n.endsWith('.pdf'));
  assert.equal(names.length, sessions.length, `one sheet per half-day of the cohort: ${names.join(', ')}`);
  // Four at a time: the machine is shared.
  await inPool(4, names, async (name, i) => {
    const file = join(downloads, `zip-${i}.pdf`);
    writeFileSync(file, entries[name]!);
    const pdfsig = await run('pdfsig', [file]);
    assert.match(pdfsig, /Signature is Valid\./, `${name}: ${pdfsig}`);
    await run('pdftoppm', ['-r', '24', '-f', '1', '-l', '1', '-png', file, join(downloads, `zip-${i}`)]);
    const png = PNG.sync.read(readFileSync(join(downloads, `zip-${i}-1.png`)));
    assert.ok(png.width > 100 && png.height > 100, `${name} renders (${png.width}×${png.height})`);
  });
  // The first sheet's own PDF, downloaded from its page, for the verification below.
  await manager.goto(`/attendance/sessions/${sessions[0]!.id}`);
  const codeLink = manager.getByRole('link', { name: /^[A-Z0-9]{10}$/ });
  await codeLink.waitFor({ timeout: 15_000 }).catch(async (e: Error) => {
    await screenshot(manager, 'week-journey-sheet-failure.png', { fullPage: true });
    throw new Error(`${e.message}\nThe page said: ${await manager.evaluate(() => document.body.innerText)}\nPage errors: ${errors.join('; ')}`);
  });
  sheetCode = (await codeLink.textContent()) ?? '';
  const [sheet] = await Promise.all([manager.waitForEvent('download'), manager.getByRole('link', { name: 'Télécharger la feuille (PDF scellé)' }).click()]);
  sheetPdf = join(downloads, 'monday-morning.pdf');
  await sheet.saveAs(sheetPdf);
  assert.match(execFileSync('pdftotext', [sheetPdf, '-'], { encoding: 'utf8' }), new RegExp(sheetCode));
  assert.deepEqual(errors, [], 'no uncaught error in the pages');
});

test("the verification page accepts the sheet's code (typed with the keyboard) and the PDF itself", async () => {
  assert.match(sheetCode, /^[A-Z0-9]{10}$/);
  const visitor = await (await newContext('phone')).newPage();
  await visitor.goto('/verify');
  await visitor.getByRole('heading', { name: 'Vérifier un document' }).waitFor();
  await assertAccessible(visitor, 'verification page (phone)');
  await visitor.getByLabel('Code de vérification').focus();
  await visitor.keyboard.type(sheetCode.toLowerCase());
  await visitor.keyboard.press('Enter');
  await visitor.waitForURL(`**/verify/${sheetCode}`);
  const code = visitor.locator('[data-testid="verdict"][data-valid="true"]');
  await code.getByText('Document authentique').waitFor();
  await code.getByText(/Feuille d'émargement/).waitFor();
  // What it attests, in French, times in the organisation's zone.
  const startsAt = new Intl.DateTimeFormat('fr-FR', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: TZ }).format(new Date(sessions[0]!.startsAt));
  assert.equal(await code.locator('[data-attest="halfDay"]').innerText(), 'Demi-journée : Matin');
  assert.match(await code.locator('[data-attest="startsAt"]').innerText(), new RegExp(`^Début : .+, ${startsAt} \\(Europe/Paris\\)$`));
  assert.equal(await code.locator('[data-attest="sheetStatus"]').innerText(), 'État de la feuille : Verrouillée');
  assert.equal(await visitor.getByLabel('Code de vérification').inputValue(), sheetCode, 'the code field shows the code as checked');
  await assertAccessible(visitor, 'verification by code (phone)');
  const [chooser] = await Promise.all([visitor.waitForEvent('filechooser'), visitor.getByRole('button', { name: 'Choisir un PDF' }).click()]);
  await chooser.setFiles(sheetPdf);
  const sealed = visitor.locator('[data-testid="verdict"][data-valid="true"]').filter({ hasText: 'Sceau valide' });
  await sealed.getByText('Sceau valide : ce PDF est intact et a bien été émis par Emarge').waitFor();
  await sealed.getByText('Le document n\'a pas été modifié depuis son scellement.').waitFor();
  await assertAccessible(visitor, 'verification of the PDF (phone)');
  await screenshot(visitor, 'verify-pdf-mobile.png', { fullPage: true });
  // A copy changed after sealing (one byte of its content) is refused.
  const bytes = readFileSync(sheetPdf);
  const at = bytes.indexOf('stream') + 40;
  bytes[at] = bytes[at]! ^ 0x01;
  const altered = join(downloads, 'altered.pdf');
  writeFileSync(altered, bytes);
  const [again] = await Promise.all([visitor.waitForEvent('filechooser'), visitor.getByRole('button', { name: 'Choisir un PDF' }).click()]);
  await again.setFiles(altered);
  await visitor.locator('[data-testid="verdict"][data-valid="false"]').filter({ hasText: 'Sceau' }).waitFor();
  assert.deepEqual(errors, [], 'no uncaught error in the pages');
  await visitor.context().close();
});

test('`emarge verify --org ID` passes on the server\'s database, then names the evidence entry changed by hand', async () => {
  // The periodic sealing job's work, then the server stops (PGlite has one opener at a time).
  await sealAllEvidence(db, clock);
  await closeServer();
  const cli = (args: string[]) => runCli(['verify', '--org', organisationId, ...args]);
  const ok = await cli([]);
  assert.equal(ok.code, 0, `${ok.stdout}\n${ok.stderr}`);
  assert.match(ok.stdout, /^OK demo\S*: \d+ sealed entries in \d+ batches/m);
  assert.match(ok.stdout, /Evidence intact: 1 organisation\(s\) verified\./);

  // By hand in the database: the Monday-morning link signature becomes a kiosk one (the guard trigger bypassed).
  const hand = openDb();
  const victim = await withSystem(hand, async (trx) => {
    const row = await trx
      .selectFrom('evidence_entries')
      .select(['id', 'seq'])
      .where('type', '=', 'attendance.signed')
      .where(sql<boolean>`payload->>'method' = 'link' AND payload->'signer'->>'id' = ${learners[2]!.id} AND payload->>'sessionId' = ${sessions[0]!.id}`)
      .executeTakeFirstOrThrow();
    await sql`ALTER TABLE evidence_entries DISABLE TRIGGER evidence_entries_seal_only`.execute(trx);
    await sql`UPDATE evidence_entries SET payload = jsonb_set(payload, '{method}', '"kiosk"') WHERE id = ${row.id}`.execute(trx);
    await sql`ALTER TABLE evidence_entries ENABLE TRIGGER evidence_entries_seal_only`.execute(trx);
    return row;
  });
  await hand.destroy();
  const bad = await cli([]);
  assert.equal(bad.code, 1, `${bad.stdout}\n${bad.stderr}`);
  assert.match(bad.stdout, /^TAMPERED demo/m);
  assert.ok(bad.stdout.includes(`first entry that no longer matches: ${victim.id} (seq ${victim.seq})`), bad.stdout);
});

async function inPool<T>(size: number, items: T[], fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: size }, worker));
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve) => execFile(command, args, { encoding: 'utf8' }, (error, stdout, stderr) => resolve(error ? `${stdout}${stderr}${String(error)}` : stdout)));
}

/** `node bin/emarge.js …` with the server's DATA_DIR (and DATABASE_URL on PostgreSQL). */
function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...dbEnv };
  if (!dbEnv.DATABASE_URL) delete env.DATABASE_URL;
  return new Promise((resolve) =>
    execFile(process.execPath, [join(ROOT, 'bin', 'emarge.js'), ...args], { env, encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}
