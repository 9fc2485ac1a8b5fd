import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import type { APIRequestContext, Browser, BrowserContext, Page } from 'playwright-core';
import { describeViolations, launchBrowser, type RunningServer, screenshot, seriousA11yViolations, startServer } from './support.ts';

/**
 * The attendance journey in real Chromium against the real server on the real
 * clock (QR codes rotate, signing windows are real): the demo trainer opens the
 * live page of a session happening now, a learner on a phone (375×812) signed
 * in by magic link follows the URL decoded from the QR code IMAGE and draws a
 * signature, the trainer's roster updates without a reload, the trainer signs
 * and locks the sheet, and the downloaded PDF's seal verifies with pdfsig.
 * axe-core (serious/critical) on every page.
 */
const TZ = 'Europe/Paris';
const COHORT = 'DWWM — Groupe A';

// jsqr is CommonJS with an ES-style default in its types: take the function whichever way Node hands it over.
const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ?? jsQRModule) as typeof jsQRModule.default;

let server: RunningServer;
let browser: Browser;
let sessionId = '';

async function assertAccessible(page: Page, where: string): Promise<void> {
  const violations = await seriousA11yViolations(page);
  assert.equal(violations.length, 0, `axe-core: serious/critical violations on ${where}:\n${describeViolations(violations)}`);
}

async function newContext(viewport: { width: number; height: number }): Promise<BrowserContext> {
  const mobile = viewport.width < 500;
  return browser.newContext({ viewport, locale: 'fr-FR', timezoneId: TZ, baseURL: server.url, isMobile: mobile, hasTouch: mobile, acceptDownloads: true });
}

async function signIn(request: APIRequestContext, credentials: { email: string; password: string }): Promise<Record<string, string>> {
  const res = await request.post('/api/v1/auth/sign-in', { data: credentials });
  assert.equal(res.status(), 200, await res.text());
  return { 'x-csrf-token': ((await res.json()) as { csrfToken: string }).csrfToken };
}

/** Local date and 'HH:MM' in Paris, `minutes` from now. */
function parisNow(minutes = 0): { date: string; time: string } {
  const d = new Date(Date.now() + minutes * 60_000);
  const date = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
  return { date, time };
}

/** Draws a signature-like zigzag on an element with the mouse (pointer events on the canvas). */
async function drawSignature(page: Page, selector: ReturnType<Page['locator']>): Promise<void> {
  await selector.scrollIntoViewIfNeeded();
  const box = await selector.boundingBox();
  assert.ok(box, 'the signature pad is visible');
  const y = box.y + box.height * 0.6;
  await page.mouse.move(box.x + box.width * 0.1, y);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) await page.mouse.move(box.x + box.width * (0.1 + i * 0.06), y + (i % 2 ? -1 : 1) * box.height * 0.2, { steps: 3 });
  await page.mouse.up();
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.3);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.8, { steps: 6 });
  await page.mouse.up();
}

before(async () => {
  server = await startServer({ now: new Date().toISOString(), realClock: true });
  browser = await launchBrowser();
  // A session of the demo cohort A happening now (the demo week has none at this hour on a weekend or in the evening):
  // the half-day of the current time is moved to start 2 minutes ago, or created.
  const context = await newContext({ width: 1280, height: 900 });
  const api = context.request;
  const headers = await signIn(api, server.admin);
  const cohorts = (await (await api.get('/api/v1/cohorts', { params: { limit: 200 } })).json()) as { items: Array<{ id: string; name: string }> };
  const cohort = cohorts.items.find((c) => c.name === COHORT);
  assert.ok(cohort, `the demo cohort ${COHORT} exists`);
  const start = parisNow(-2);
  const today = parisNow();
  const startTime = start.date === today.date ? start.time : '00:00';
  const end = parisNow(180);
  const endTime = end.date === today.date && end.time > startTime ? end.time : '23:59';
  const halfDay = Number(startTime.slice(0, 2)) < 13 ? 'am' : 'pm';
  const existing = (await (await api.get('/api/v1/sessions', { params: { from: today.date, to: today.date, cohortId: cohort.id } })).json()) as { items: Array<{ id: string; halfDay: string }> };
  const same = existing.items.find((s) => s.halfDay === halfDay);
  const res = same
    ? await api.patch(`/api/v1/sessions/${same.id}`, { data: { startTime, endTime, status: 'planned' }, headers })
    : await api.post('/api/v1/sessions', { data: { cohortId: cohort.id, date: today.date, startTime, endTime }, headers });
  assert.ok(res.ok(), `session for now: ${res.status()} ${await res.text()}`);
  const session = (await res.json()) as { id: string; trainerIds: string[] };
  assert.ok(session.trainerIds.length > 0, 'the session has the cohort trainer');
  sessionId = session.id;
  await context.close();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Screenshots the QR image and decodes it (pngjs + jsQR): what a phone camera would read. */
async function readQr(page: Page): Promise<string> {
  const png = PNG.sync.read(await page.getByTestId('qr-code').screenshot());
  const decoded = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength), png.width, png.height);
  assert.ok(decoded, 'the QR code image decodes');
  return decoded.data;
}

test('a trainer projects the rotating QR code, a learner signs on a phone, the roster updates live, the trainer locks and the sealed PDF verifies', async () => {
  // The trainer signs in and starts attendance from "Mes séances live".
  const trainerContext = await newContext({ width: 1280, height: 900 });
  const trainer = await trainerContext.newPage();
  const errors: string[] = [];
  trainer.on('pageerror', (e) => errors.push(e.message));
  await trainer.goto('/sign-in');
  await trainer.getByLabel('Adresse e-mail').fill(server.trainer.email);
  await trainer.getByLabel('Mot de passe').fill(server.trainer.password);
  await trainer.getByRole('button', { name: 'Se connecter' }).click();
  await trainer.getByRole('navigation').getByRole('link', { name: 'Mes séances live' }).click();
  await trainer.getByRole('heading', { name: 'Mes séances live' }).waitFor();
  await assertAccessible(trainer, 'my live sessions');
  await trainer.locator(`a[href="/sessions/${sessionId}/live"]`).click();
  await trainer.getByRole('heading', { name: /^Émargement en direct/ }).waitFor();
  const qr = trainer.getByTestId('qr-code');
  await qr.waitFor();
  await trainer.getByTestId('live-state').getByText('En direct').waitFor();
  await trainer.getByTestId('qr-countdown').getByText(/^Nouveau code dans \d+ s$/).waitFor();
  await assertAccessible(trainer, 'live session');

  // The code rotates: a new image comes with a new expiry.
  // (Read again if the code rotated while its screenshot was taken: the image and its expiry must go together.)
  let firstExpiry: string | null, firstUrl: string;
  do {
    firstExpiry = await qr.getAttribute('data-expires-at');
    firstUrl = await readQr(trainer);
  } while ((await qr.getAttribute('data-expires-at')) !== firstExpiry);
  await trainer.waitForFunction((before) => document.querySelector('[data-testid="qr-code"]')?.getAttribute('data-expires-at') !== before, firstExpiry, { timeout: 20_000 });
  const secondUrl = await readQr(trainer);
  assert.notEqual(secondUrl, firstUrl, 'the QR code changed at its rotation');
  assert.equal(new URL(secondUrl).pathname, '/sign/qr');

  // The learner asks for a sign-in link on their phone; the admin reads it in the outbox (API).
  const phone = await newContext({ width: 375, height: 812 });
  const learner = await phone.newPage();
  learner.on('pageerror', (e) => errors.push(e.message));
  const asked = await phone.request.post('/api/v1/auth/magic-link', { data: { email: server.learnerEmail } });
  assert.ok(asked.ok(), await asked.text());
  const adminContext = await newContext({ width: 1280, height: 900 });
  const adminHeaders = await signIn(adminContext.request, server.admin);
  const outbox = (await (await adminContext.request.get('/api/v1/outbox', { params: { limit: 50 } })).json()) as { items: Array<{ to: string; text: string }> };
  const mail = outbox.items.find((m) => m.to === server.learnerEmail);
  assert.ok(mail, 'the sign-in mail is in the outbox');
  const magic = /https?:\/\/\S+\/auth\/magic\?token=([\w-]+)/.exec(mail.text);
  assert.ok(magic, `the mail holds a sign-in link: ${mail.text}`);
  await learner.goto(`/auth/magic?token=${magic[1]}`);
  await learner.getByRole('heading', { name: 'Mes séances' }).waitFor();

  // Right after a rotation the trainer's code is fresh: the learner "scans" it and follows its URL.
  const current = await qr.getAttribute('data-expires-at');
  await trainer.waitForFunction((before) => document.querySelector('[data-testid="qr-code"]')?.getAttribute('data-expires-at') !== before, current, { timeout: 20_000 });
  const scanned = new URL(await readQr(trainer));
  await learner.goto(scanned.pathname + scanned.search);
  await learner.getByRole('heading', { name: 'Émargement' }).waitFor();
  const pad = learner.getByTestId('signature-pad');
  await pad.waitFor();
  await learner.getByTestId('signing-session').getByText(COHORT).waitFor();
  await drawSignature(learner, pad);
  await assertAccessible(learner, 'learner signing page (phone)');
  await screenshot(learner, 'learner-sign-mobile.png', { fullPage: true });
  await learner.getByRole('button', { name: 'Signer ma présence' }).click();
  const signed = learner.getByTestId('signed');
  await signed.getByText('Présence signée').waitFor();
  await signed.getByText(/Signé le .*\(Europe\/Paris\)\./).waitFor();
  await assertAccessible(learner, 'learner signed (phone)');

  // The trainer's roster fills in without a reload (server-sent events).
  const roster = trainer.getByTestId('live-roster');
  await roster.locator('tr[data-status="present"], tr[data-status="late"]').first().waitFor({ timeout: 10_000 });
  await trainer.getByTestId('signed-count').getByText(/^1 \/ \d+ signés$/).waitFor();
  await assertAccessible(trainer, 'live session with a signature');
  await screenshot(trainer, 'trainer-live.png');

  // Kiosk mode: a second learner signs on the trainer's device.
  await trainer.getByRole('button', { name: 'Mode borne' }).click();
  const kiosk = trainer.getByTestId('kiosk');
  await kiosk.getByText('Touchez votre nom, puis signez.').waitFor();
  await assertAccessible(trainer, 'kiosk list');
  await kiosk.getByRole('button').nth(1).click();
  await kiosk.getByText(/^Je suis /).waitFor();
  await drawSignature(trainer, kiosk.getByTestId('signature-pad'));
  await kiosk.getByRole('button', { name: 'Signer ma présence' }).click();
  await kiosk.getByText(/^Merci .* !$/).waitFor();
  await trainer.getByRole('button', { name: 'Quitter le mode borne' }).first().click();
  await trainer.getByTestId('signed-count').getByText(/^2 \/ \d+ signés$/).waitFor();

  // A learner marked present on their behalf needs a reason.
  const pendingRow = roster.locator('tr[data-status="pending"]').first();
  const marked = (await pendingRow.getAttribute('data-person')) ?? '';
  await pendingRow.getByRole('button', { name: /^Marquer / }).click();
  const dialog = trainer.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Enregistrer' }).click();
  await dialog.getByText(/body\.reason/).waitFor();
  await dialog.getByLabel('Motif').fill('Tablette en panne, présence constatée');
  await dialog.getByRole('button', { name: 'Enregistrer' }).click();
  await dialog.waitFor({ state: 'detached' });
  const markedRow = roster.locator(`tr[data-person="${marked}"]`);
  await markedRow.and(trainer.locator('[data-status="present"]')).waitFor();
  await markedRow.getByText('Marqué par le formateur').waitFor();

  // The trainer's word and the learner's signature: a learner who got a link, then was marked absent, signs from
  // their phone — recorded, but still absent until the trainer confirms (the roster says so and blocks the lock).
  await roster.locator('tr[data-status="pending"]').first().waitFor();
  const absentName = (await roster.locator('tr[data-status="pending"]').first().getAttribute('data-person')) ?? '';
  const sheetNow = (await (await adminContext.request.get(`/api/v1/sessions/${sessionId}/attendance`)).json()) as { records: Array<{ personId: string; name: string; email: string }> };
  const absentee = sheetNow.records.find((r) => r.name === absentName);
  assert.ok(absentee, `${absentName} is on the sheet`);
  const sent = await adminContext.request.post(`/api/v1/sessions/${sessionId}/signing-links`, { data: { personIds: [absentee.personId] }, headers: adminHeaders });
  assert.equal(sent.status(), 201, await sent.text());
  const linkMail = ((await (await adminContext.request.get('/api/v1/outbox', { params: { limit: 50 } })).json()) as { items: Array<{ to: string; text: string }> }).items.find((m) => m.to === absentee.email && /\/sign\/link\?token=/.test(m.text));
  const linkToken = /\/sign\/link\?token=([\w-]+)/.exec(linkMail?.text ?? '')?.[1];
  assert.ok(linkToken, 'the signing link mail is in the outbox');
  const absentRow = roster.locator(`tr[data-person="${absentName}"]`);
  await absentRow.getByRole('button', { name: /^Marquer / }).click();
  await dialog.getByLabel('Statut').click();
  await trainer.getByRole('option', { name: 'Absent' }).click();
  await dialog.getByRole('button', { name: 'Enregistrer' }).click();
  await dialog.waitFor({ state: 'detached' });
  await absentRow.and(trainer.locator('[data-status="absent"]')).waitFor();
  // "Send the links" now leaves the marked learner out.
  const resent = await adminContext.request.post(`/api/v1/sessions/${sessionId}/signing-links`, { data: { personIds: [absentee.personId] }, headers: adminHeaders });
  assert.equal(((await resent.json()) as { skippedMarked: number }).skippedMarked, 1);
  const home = await (await newContext({ width: 375, height: 812 })).newPage();
  home.on('pageerror', (e) => errors.push(e.message));
  await home.goto(`/sign/link?token=${linkToken}`);
  await drawSignature(home, home.getByTestId('signature-pad'));
  await home.getByRole('button', { name: 'Signer ma présence' }).click();
  await home.getByTestId('signed').getByTestId('awaiting-review').getByText(/doit maintenant confirmer votre arrivée/).waitFor();
  await assertAccessible(home, 'learner signed after an absent mark (phone)');
  await screenshot(home, 'learner-sign-awaiting-review-mobile.png', { fullPage: true });
  await home.context().close();
  await absentRow.and(trainer.locator('[data-review="pending"]')).waitFor({ timeout: 10_000 });
  await absentRow.and(trainer.locator('[data-status="absent"]')).getByText(/^A signé à \d\d:\d\d \(Europe\/Paris\) après votre marquage : à confirmer$/).waitFor();
  await trainer.getByTestId('awaiting-review').getByText('1 signature à confirmer ou refuser').waitFor();
  await trainer.getByTestId('roster-rules').getByText('Liens, rappels et marquages').click();
  await trainer.getByTestId('roster-rules').getByText(/votre marquage reste/).waitFor();
  await assertAccessible(trainer, 'live roster with a signature to confirm');
  await screenshot(trainer, 'trainer-live-review.png', { fullPage: true });
  await trainer.setViewportSize({ width: 375, height: 812 });
  await absentRow.scrollIntoViewIfNeeded();
  await screenshot(trainer, 'trainer-live-review-mobile.png', { fullPage: true });
  await trainer.setViewportSize({ width: 1280, height: 900 });
  // Locking is refused while the decision is missing.
  const refused = await adminContext.request.post(`/api/v1/sessions/${sessionId}/lock`, { headers: adminHeaders });
  assert.equal(refused.status(), 409);
  assert.equal(((await refused.json()) as { reason: string }).reason, 'reviews_pending');
  // The trainer confirms: the learner arrived late, from the time they signed; both facts stay in the evidence.
  await absentRow.getByRole('button', { name: `Confirmer l'arrivée de ${absentName}` }).click();
  await absentRow.and(trainer.locator('[data-review="confirmed"]')).getByText('Arrivée confirmée').waitFor();
  await absentRow.and(trainer.locator('[data-status="present"], [data-status="late"]')).waitFor();
  await trainer.getByTestId('awaiting-review').waitFor({ state: 'detached' });

  // The trainer signs and locks (with a confirmation).
  await drawSignature(trainer, trainer.getByTestId('signature-pad'));
  await trainer.getByTestId('sign-and-lock').click();
  await trainer.getByRole('dialog').getByText(/seront marqués absents|sera marqué absent/).waitFor();
  await assertAccessible(trainer, 'lock confirmation');
  await trainer.getByRole('dialog').getByRole('button', { name: 'Signer et verrouiller' }).click();
  await trainer.getByTestId('sheet-locked').getByText('Feuille verrouillée').waitFor();
  await assertAccessible(trainer, 'locked sheet');

  // The sheet PDF downloads and its PAdES seal verifies.
  const [download] = await Promise.all([trainer.waitForEvent('download'), trainer.getByTestId('download-sheet').click()]);
  const file = join(mkdtempSync(join(tmpdir(), 'emarge-sheet-')), 'sheet.pdf');
  await download.saveAs(file);
  let pdfsig = '';
  try {
    pdfsig = execFileSync('pdfsig', [file], { encoding: 'utf8' });
  } catch (error) {
    pdfsig = String((error as { stdout?: string }).stdout ?? error);
  }
  assert.match(pdfsig, /Signature is Valid\./, pdfsig);
  // The sheet says what happened: the trainer's absent mark, the learner's later signature and its confirmation.
  // (the status column read on its own: x 164–314 pt on the A4 sheet)
  const sheetText = execFileSync('pdftotext', ['-f', '1', '-l', '1', '-r', '72', '-x', '164', '-y', '0', '-W', '150', '-H', '2000', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  assert.match(sheetText, /signé ensuite par l’apprenant \(\d\d:\d\d:\d\d Europe\/Paris\), confirmé par .+ le \d{1,2} \S+ \d{4} à \d\d:\d\d \(Europe\/Paris\)/, sheetText);
  assert.match(download.suggestedFilename(), /^feuille-.*\.pdf$/);

  // The manager's sheet list shows it locked; the detail shows the signatures; the verification page confirms the code.
  const manager = await adminContext.newPage();
  manager.on('pageerror', (e) => errors.push(e.message));
  await manager.goto('/attendance');
  await manager.getByRole('heading', { name: 'Émargement' }).waitFor();
  const row = manager.locator(`tr[data-session-id="${sessionId}"]`);
  await row.getByText('Verrouillée').waitFor();
  await assertAccessible(manager, 'sheet list');
  await row.scrollIntoViewIfNeeded();
  await screenshot(manager, 'sheet-list.png');
  await row.getByRole('link', { name: 'Voir la feuille' }).click();
  await manager.getByTestId('sheet-records').getByRole('img').first().waitFor();
  await assertAccessible(manager, 'sheet detail');
  const code = (await manager.getByRole('link', { name: /^[A-Z0-9]{10}$/ }).textContent()) ?? '';
  await manager.goto('/absences');
  await manager.getByRole('heading', { name: "Justificatifs d'absence" }).waitFor();
  await assertAccessible(manager, 'absences review');

  const visitor = await (await newContext({ width: 375, height: 812 })).newPage();
  await visitor.goto(`/verify/${code}`);
  await visitor.getByTestId('verdict').getByText('Document authentique').waitFor();
  await assertAccessible(visitor, 'verification page');
  await visitor.locator('input[type="file"]').setInputFiles(file);
  await visitor.locator('[data-testid="verdict"][data-valid="true"]').getByText(/Sceau valide/).nth(0).waitFor();

  assert.deepEqual(errors, [], 'no uncaught error in the pages');
  await phone.close();
  await trainerContext.close();
  await adminContext.close();
});
