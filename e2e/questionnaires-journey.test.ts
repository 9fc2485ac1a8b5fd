import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../src/modules/demo/seed-demo.ts';
import { distributeDue } from '../src/modules/questionnaires/distribute-due.ts';
import { seedQuestionnaireDemo } from '../src/modules/questionnaires/seed-questionnaire-demo.ts';
import { withSystem } from '../src/platform/db/tenant.ts';
import { FixedClock } from '../src/platform/clock.ts';
import { deliverPendingMails } from '../src/platform/mail/deliver-pending-mails.ts';
import { createMailTransport } from '../src/platform/mail/smtp-transport.ts';
import { startSmtpServer } from '../test/smtp-server.ts';
import { describeViolations, launchBrowser, type RunningServer, screenshot, seriousA11yViolations, startServer } from './support.ts';

/**
 * The questionnaire journey (issue 4, point 8) in real Chromium against the real
 * server, with real mail to a loopback SMTP server: the demo manager builds a
 * quiz with skills from the positioning template in the builder, publishes it
 * and attaches it to the end of a session; the session ends (the server's clock
 * moves past it and the due-distribution job runs), so the invitations go out by
 * mail; three learners open their personal links from the mails on a phone
 * (375×812) and answer — one saves, reloads and resumes, and loses the connection
 * without losing an answer; the manager sees the
 * results page go from nothing to the three responses (per question, per
 * skill) and the struggling dashboard, where the demo's weak module shows with
 * its reason, and records an improvement action. axe-core on every page, desktop
 * and phone.
 */
const NOW = '2026-03-02T08:00:00Z'; // Monday 2 March 2026, 09:00 in Paris: the demo's first sessions are today
const AFTER_SESSION = '2026-03-02T11:40:00Z'; // 12:40 in Paris: the morning session (until 12:30) is over

let server: RunningServer;
let browser: Browser;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
const clock = new FixedClock(NOW);
let publicUrl = '';
let questionnaireId = '';
/** Personal links received by mail, by recipient. */
const links = new Map<string, string>();


async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** The body of a received mail, quoted-printable soft breaks and escapes undone. */
function decodeMail(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

const manager = () => ({ email: server.admin.email.replace(/^admin@/, 'manager@'), password: DEMO_PASSWORD });

async function staffContext(viewport: { width: number; height: number }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, locale: 'fr-FR', timezoneId: 'Europe/Paris', baseURL: server.url, isMobile: viewport.width < 500, hasTouch: viewport.width < 500 });
  // The browser's "today" is the server's first day (the session pickers list the sessions around it).
  await context.clock.setFixedTime(new Date(NOW));
  const signIn = await context.request.post('/api/v1/auth/sign-in', { data: manager() });
  assert.equal(signIn.status(), 200, await signIn.text());
  return context;
}

/** A learner's phone: no account, no session — only the link from the mail. */
async function phoneContext(): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 375, height: 812 }, locale: 'fr-FR', timezoneId: 'Europe/Paris', isMobile: true, hasTouch: true });
}

async function assertAccessible(page: Page, where: string): Promise<void> {
  const violations = await seriousA11yViolations(page);
  assert.equal(violations.length, 0, `axe-core: serious/critical violations on ${where}:\n${describeViolations(violations)}`);
}

async function assertNoSideScroll(page: Page, where: string): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `${where} scrolls sideways on a phone by ${overflow}px`);
}

/** Picks an option of a Mantine Select by its label, within `scope`. */
async function choose(page: Page, scope: Locator | Page, label: string, option: string | RegExp): Promise<void> {
  await scope.getByRole('textbox', { name: label, exact: true }).or(scope.getByRole('combobox', { name: label, exact: true })).first().click();
  await page.getByRole('option', { name: option }).first().click();
}

const question = (page: Page, prompt: RegExp) => page.getByRole('group', { name: prompt });
/** A point of a rating scale (a real radio, drawn as a box). */
const rate = (page: Page, prompt: RegExp, value: number) => question(page, prompt).getByRole('radio', { name: String(value), exact: true }).check();

before(async () => {
  smtp = await startSmtpServer();
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  const smtpUrl = `smtp://127.0.0.1:${smtp.port}`;
  server = await startServer({ now: NOW, clock, port, mailTransport: createMailTransport({ smtpUrl })!, env: { PUBLIC_URL: publicUrl, SMTP_URL: smtpUrl } });
  // The demo's questionnaires with their simulated answers (as `emarge serve` seeds them on first start): a weak module among them.
  const organisation = await withSystem(server.db, (trx) => trx.selectFrom('organisations').select('id').executeTakeFirstOrThrow());
  await seedQuestionnaireDemo({ db: server.db, clock, publicUrl }, organisation.id);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await smtp?.close();
});

test('the manager builds a quiz with skills from a template, publishes it and attaches it to the end of a session', async () => {
  const context = await staffContext({ width: 1280, height: 900 });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));

  await page.goto('/questionnaires');
  await page.getByRole('heading', { name: 'Questionnaires', level: 1 }).waitFor();
  await page.getByRole('button', { name: "Partir d'un modèle" }).click();
  const picker = page.getByRole('dialog', { name: "Partir d'un modèle" });
  await picker.getByRole('button', { name: 'Utiliser ce modèle : Test de positionnement' }).click();
  await page.waitForURL(/\/questionnaires\/[0-9a-f-]{36}\/edit$/);
  questionnaireId = /questionnaires\/([0-9a-f-]{36})\/edit/.exec(page.url())![1]!;
  await page.getByTestId('builder-question').nth(4).waitFor();

  // The first knowledge question becomes a real one, tagged with the skill "sql" (the template's "fundamentals" stays).
  await page.getByRole('button', { name: 'Modifier la question 4' }).click();
  const editor = page.getByTestId('question-editor');
  await editor.getByLabel('Énoncé').fill('Que renvoie une requête SELECT ?');
  await editor.getByLabel('Réponse 1', { exact: true }).fill('Des lignes');
  await editor.getByLabel('Réponse 2', { exact: true }).fill('Un fichier');
  await editor.getByLabel('Réponse 3', { exact: true }).fill('Un index');
  await editor.getByLabel('Points', { exact: true }).fill('2');
  await editor.getByLabel('Compétences').fill('sql');
  await editor.getByLabel('Compétences').press('Enter');
  await editor.getByRole('button', { name: 'Enregistrer' }).click();
  await editor.waitFor({ state: 'detached' });
  const q4 = page.getByTestId('builder-question').nth(3);
  await q4.getByText('4. Que renvoie une requête SELECT ?').waitFor();
  await q4.getByTestId('skill-badge').getByText('sql').waitFor();
  await assertAccessible(page, 'the builder');

  // Published, then attached to the end of this morning's session of the demo's first cohort, for its learners.
  await page.getByRole('button', { name: 'Publier' }).click();
  await page.getByTestId('questionnaire-status').getByText('Publié').waitFor();
  await page.getByRole('button', { name: 'Nouvelle diffusion' }).click();
  const form = page.getByTestId('distribution-form');
  await choose(page, form, 'Rattacher à', 'Séance');
  await choose(page, form, 'Cohorte', /Groupe A/);
  await choose(page, form, 'Séance', /lun\. 2 mars 2026/);
  await choose(page, form, 'Déclencheur', 'À la fin de la séance');
  await choose(page, form, 'Destinataires', 'Apprenants');
  await form.getByRole('button', { name: 'Programmer la diffusion' }).click();
  const row = page.getByTestId('distribution-row');
  await row.getByText('Programmée').waitFor();
  await row.getByText(/Prévue : lun\. 2 mars 2026, 12:30 \(Europe\/Paris\)/).waitFor();
  await assertAccessible(page, 'the builder with its distribution');

  // Nothing yet on the results page.
  await page.goto(`/questionnaires/${questionnaireId}/results`);
  await page.getByRole('heading', { level: 1, name: 'Résultats : Test de positionnement' }).waitFor();
  assert.equal(await page.getByTestId('summary-responses').getByTestId('summary-value').textContent(), '0');
  await page.getByText('Aucune réponse pour ces filtres.').waitFor();
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test('the session ends: the invitations go out by mail with personal links', async () => {
  assert.ok(questionnaireId, 'the first test made the questionnaire');
  const transport = createMailTransport({ smtpUrl: `smtp://127.0.0.1:${smtp.port}` });
  // What was due before (the demo's own invitations) goes out first; nothing of this questionnaire is among it.
  await deliverPendingMails(server.db, transport, 'emarge@demo.emarge.test', clock);
  assert.deepEqual(await personalLinks(smtp.received), [], 'nothing is sent before the end of the session');
  const before = smtp.received.length;

  clock.set(AFTER_SESSION);
  const sent = await distributeDue({ db: server.db, clock, publicUrl });
  assert.ok(sent.invitations >= 3, `the cohort's learners are invited (${sent.invitations})`);
  const delivery = await deliverPendingMails(server.db, transport, 'emarge@demo.emarge.test', clock);
  assert.equal(delivery.failed, 0);
  for (const { to, link } of await personalLinks(smtp.received.slice(before))) links.set(to, link);
  assert.ok(links.size >= 3, `one mail, with its own link, per learner invited (${links.size})`);
  assert.equal(new Set(links.values()).size, links.size, 'every link is personal');
});

/** The links to this questionnaire in the mails received (the respondent view names the questionnaire of a link). */
async function personalLinks(mails: ReadonlyArray<{ to: string[]; raw: string }>): Promise<Array<{ to: string; link: string }>> {
  const pattern = new RegExp(`${publicUrl.replace(/[.:/]/g, '\\$&')}/respond/[A-Za-z0-9_-]{20,}`);
  const out: Array<{ to: string; link: string }> = [];
  for (const mail of mails) {
    const link = pattern.exec(decodeMail(mail.raw))?.[0];
    if (!link) continue;
    const view = await fetch(`${server.url}/api/v1/respond/${link.split('/respond/')[1]}`);
    assert.equal(view.status, 200, await view.clone().text());
    if (((await view.json()) as { questionnaire: { id: string } }).questionnaire.id !== questionnaireId) continue;
    for (const to of mail.to) out.push({ to, link });
  }
  return out;
}

test('three learners answer on a phone from their links; one saves, reloads, loses the connection and resumes', async () => {
  const [first, second, third] = [...links.values()];
  assert.ok(first && second && third, 'three links were received');

  // Learner 1: answers everything, sends, and reads the score, the corrections and the result per skill.
  const phone1 = await phoneContext();
  const p1 = await phone1.newPage();
  await p1.goto(first);
  await p1.getByRole('heading', { level: 1, name: 'Test de positionnement' }).waitFor();
  await p1.getByTestId('question-form').waitFor();
  await assertAccessible(p1, 'the respondent page on a phone');
  await assertNoSideScroll(p1, 'the respondent page');
  await question(p1, /Avez-vous déjà pratiqué/).getByLabel('Un peu').check();
  await p1.getByRole('textbox', { name: /Qu'attendez-vous de cette formation/ }).fill('Savoir écrire des requêtes SQL.');
  await rate(p1, /Comment évaluez-vous votre niveau/, 3);
  await question(p1, /Que renvoie une requête SELECT/).getByLabel('Des lignes').check();
  await question(p1, /Question de connaissance n° 2/).getByLabel('Bonne réponse A').check();
  await question(p1, /Question de connaissance n° 2/).getByLabel('Bonne réponse B').check();
  await screenshot(p1, 'mobile-questionnaire-respond.png');
  await p1.getByTestId('respond-submit').click();
  const done = p1.getByTestId('respond-done');
  await done.waitFor();
  assert.match((await done.getByTestId('respond-score').textContent()) ?? '', /Score : 4 sur 4 \(100 %\)/);
  assert.equal(await done.getByTestId('respond-feedback').count(), 2, 'a correction per graded question');
  await done.getByTestId('respond-skills').getByRole('rowheader', { name: 'sql' }).waitFor();
  await assertAccessible(p1, 'the respondent page after sending');
  // The link again: already answered, read only.
  await p1.reload();
  await p1.getByTestId('respond-already').waitFor();
  assert.equal(await p1.getByTestId('respond-submit').count(), 0, 'no second submission');
  await assertAccessible(p1, 'an already answered link');
  await phone1.close();

  // Learner 2: starts, the answers are saved as they go; the page is reloaded; everything is still there; finishes.
  const phone2 = await phoneContext();
  const p2 = await phone2.newPage();
  await p2.goto(second);
  await p2.getByTestId('question-form').waitFor();
  await question(p2, /Avez-vous déjà pratiqué/).getByLabel('Jamais').check();
  await rate(p2, /Comment évaluez-vous votre niveau/, 2);
  await p2.getByTestId('save-status').and(p2.locator('[data-state="saved"]')).waitFor();
  assert.match((await p2.getByTestId('save-status').textContent()) ?? '', /Réponses enregistrées à \d\d:\d\d \(Europe\/Paris\)/);
  await p2.reload();
  await p2.getByTestId('question-form').waitFor();
  assert.equal(await question(p2, /Avez-vous déjà pratiqué/).getByLabel('Jamais').isChecked(), true, 'the saved answer is back after a reload');
  assert.equal(await p2.getByTestId('respond-progress').textContent(), '2 question(s) répondue(s) sur 5.');
  // Sending too early names the required questions left.
  await p2.getByTestId('respond-submit').click();
  const missing = p2.getByTestId('submit-error');
  await missing.getByText('2 questions obligatoires sont sans réponse :').waitFor();
  await assertAccessible(p2, 'the respondent page with missing answers');
  // The connection drops while answering: the answer waits on the phone, then goes out when the network is back.
  await phone2.setOffline(true);
  await question(p2, /Que renvoie une requête SELECT/).getByLabel('Un fichier').check();
  await p2.getByTestId('save-status').and(p2.locator('[data-state="offline"]')).waitFor();
  assert.match((await p2.getByTestId('save-status').textContent()) ?? '', /Connexion perdue : vos réponses sont gardées sur cet appareil/);
  await phone2.setOffline(false);
  await p2.getByTestId('save-status').and(p2.locator('[data-state="saved"]')).waitFor();
  await p2.reload();
  await p2.getByTestId('question-form').waitFor();
  assert.equal(await question(p2, /Que renvoie une requête SELECT/).getByLabel('Un fichier').isChecked(), true, 'the answer given offline reached the server');
  await question(p2, /Question de connaissance n° 2/).getByLabel('Bonne réponse A').check();
  await p2.getByTestId('respond-submit').click();
  await p2.getByTestId('respond-done').waitFor();
  assert.match((await p2.getByTestId('respond-score').textContent()) ?? '', /Score : 1 sur 4 \(25 %\)/);
  await phone2.close();

  // Learner 3: answers and sends.
  const phone3 = await phoneContext();
  const p3 = await phone3.newPage();
  await p3.goto(third);
  await p3.getByTestId('question-form').waitFor();
  await question(p3, /Avez-vous déjà pratiqué/).getByLabel('Régulièrement').check();
  await rate(p3, /Comment évaluez-vous votre niveau/, 4);
  await question(p3, /Que renvoie une requête SELECT/).getByLabel('Des lignes').check();
  await question(p3, /Question de connaissance n° 2/).getByLabel('Bonne réponse B').check();
  await question(p3, /Question de connaissance n° 2/).getByLabel('Mauvaise réponse').check();
  await p3.getByTestId('respond-submit').click();
  await p3.getByTestId('respond-done').waitFor();
  // A mistyped link says so.
  await p3.goto(`${publicUrl}/respond/this-link-does-not-exist-at-all`);
  await p3.getByTestId('respond-invalid').waitFor();
  await assertAccessible(p3, 'an invalid link');
  await phone3.close();

  // The same link on a computer: already answered, the answers shown read only.
  const desktop = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  const wide = await desktop.newPage();
  await wide.goto(third);
  await wide.getByTestId('respond-already').waitFor();
  assert.equal(await question(wide, /Que renvoie une requête SELECT/).getByLabel('Des lignes').isChecked(), true);
  await assertAccessible(wide, 'the respondent page on a computer');
  await desktop.close();
});

test('the manager sees the results update, per question and per skill, on desktop and phone', async () => {
  const context = await staffContext({ width: 1280, height: 900 });
  const page = await context.newPage();
  await page.goto(`/questionnaires/${questionnaireId}/results`);
  await page.getByRole('heading', { level: 1, name: 'Résultats : Test de positionnement' }).waitFor();
  const summary = page.getByTestId('summary-responses').getByTestId('summary-value');
  await summary.getByText('3', { exact: true }).waitFor();
  const selectQuestion = page.getByTestId('result-question').filter({ hasText: 'Que renvoie une requête SELECT ?' });
  assert.match((await selectQuestion.textContent()) ?? '', /Réponses :\s*3/);
  // Two of three chose the right answer.
  assert.match((await selectQuestion.getByTestId('distribution-chart').locator('[data-bar]').first().textContent()) ?? '', /Des lignes — bonne réponse\s*2 \(67\s?%\)/);
  const skills = page.getByTestId('skills-chart');
  await skills.getByRole('rowheader', { name: 'sql' }).waitFor();
  await skills.getByRole('rowheader', { name: 'fundamentals' }).waitFor();
  assert.match((await skills.getByRole('row').filter({ hasText: 'sql' }).textContent()) ?? '', /67\s?% \(n = 3\)/);
  await page.getByTestId('text-answers').getByText('Savoir écrire des requêtes SQL.').waitFor();
  await assertAccessible(page, 'the results page');
  await screenshot(page, 'questionnaire-results.png');
  // Grouped by cohort: the three answers are the first cohort's.
  await choose(page, page, 'Regrouper par', 'Cohorte');
  await page.getByTestId('groups-table').getByRole('rowheader', { name: /Groupe A/ }).waitFor();
  await assertAccessible(page, 'the results page grouped by cohort');
  await context.close();

  const phone = await staffContext({ width: 375, height: 812 });
  const small = await phone.newPage();
  await small.goto(`/questionnaires/${questionnaireId}/results`);
  await small.getByTestId('summary-responses').getByText('3', { exact: true }).waitFor();
  await assertAccessible(small, 'the results page on a phone');
  await assertNoSideScroll(small, 'the results page');
  await phone.close();
});

test('the struggling dashboard shows the demo’s weak module with its reason; the manager records an improvement action', async () => {
  const context = await staffContext({ width: 1280, height: 900 });
  const api = await context.request.get('/api/v1/questionnaires/insights/struggling', { params: { locale: 'fr' } });
  const expected = ((await api.json()) as { units: Array<{ unitId: string; flagged: boolean; reason: string; metric: string }> }).units.filter((u) => u.flagged);
  assert.ok(expected.length > 0, 'the demo data holds a struggling unit');
  const page = await context.newPage();
  await page.goto('/');
  await page.getByRole('navigation').getByRole('link', { name: 'Cohortes et modules en difficulté' }).click();
  await page.getByRole('heading', { level: 1, name: 'Cohortes et modules en difficulté' }).waitFor();
  const card = page.locator(`[data-testid="struggling-unit"][data-unit-id="${expected[0]!.unitId}"][data-metric="${expected[0]!.metric}"]`);
  await card.waitFor();
  assert.equal(await card.getByTestId('unit-reason').textContent(), expected[0]!.reason, 'the reason in words, as computed by the server');
  assert.match(expected[0]!.reason, /n = \d+/);
  await page.getByTestId('struggling-chart').waitFor();
  await assertAccessible(page, 'the struggling dashboard');
  await screenshot(page, 'questionnaire-struggling.png');

  await card.getByRole('button', { name: 'Enregistrer une action d’amélioration' }).click();
  await card.getByRole('textbox', { name: /Action décidée/ }).fill('Séance de remédiation SQL pour la cohorte, exercices guidés.');
  await card.getByRole('button', { name: 'Enregistrer l’action' }).click();
  await page.getByTestId('improvement-action').filter({ hasText: 'Séance de remédiation SQL' }).waitFor();
  await card.getByTestId('unit-actions').getByText('1 action d’amélioration enregistrée').waitFor();
  await assertAccessible(page, 'the struggling dashboard with an action');
  await context.close();

  const phone = await staffContext({ width: 375, height: 812 });
  const small = await phone.newPage();
  await small.goto('/questionnaires/struggling');
  await small.getByTestId('struggling-unit').first().waitFor();
  await assertAccessible(small, 'the struggling dashboard on a phone');
  await assertNoSideScroll(small, 'the struggling dashboard');
  await phone.close();
});
