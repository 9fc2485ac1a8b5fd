import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { APIResponse, Browser, BrowserContext, Page } from 'playwright-core';
import { analyticsJobHandlers } from '../src/modules/analytics/analytics-jobs.ts';
import { FixedClock } from '../src/platform/clock.ts';
import { JobRunner } from '../src/platform/jobs/job-queue.ts';
import { describeViolations, launchBrowser, type RunningServer, screenshot, seriousA11yViolations, startServer } from './support.ts';

/**
 * The manager's analytics journey in real Chromium against the real server and
 * its job runner: start a training from the Models page, follow its progress
 * (phase, epoch, ETA) until the model is listed ready, open the risk list
 * (advisory banner, reasons, trend), record an action on a learner, open the
 * model card; axe-core on every page, desktop and phone (375×812).
 */
const NOW = '2026-03-02T08:00:00Z';

let server: RunningServer;
let browser: Browser;
let desktop: BrowserContext;
let jobs: JobRunner;

async function signedInContext(viewport: { width: number; height: number }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, locale: 'fr-FR', timezoneId: 'Europe/Paris', baseURL: server.url, isMobile: viewport.width < 500, hasTouch: viewport.width < 500 });
  // The demo's training manager (the demo staff share one documented password).
  const manager = { email: `manager@${server.admin.email.split('@')[1]}`, password: server.admin.password };
  const signIn = await context.request.post('/api/v1/auth/sign-in', { data: manager });
  assert.equal(signIn.status(), 200, await signIn.text());
  return context;
}

async function assertAccessible(page: Page, where: string): Promise<void> {
  const violations = await seriousA11yViolations(page);
  assert.equal(violations.length, 0, `axe-core: serious/critical violations on ${where}:\n${describeViolations(violations)}`);
}

before(async () => {
  server = await startServer({ now: NOW });
  const clock = new FixedClock(NOW);
  jobs = new JobRunner({ db: server.db, clock, handlers: analyticsJobHandlers({ db: server.db, clock }) });
  jobs.start(200);
  browser = await launchBrowser();
  desktop = await signedInContext({ width: 1280, height: 900 });
});

after(async () => {
  await browser?.close();
  await jobs?.stop();
  await server?.close();
});

test('a manager trains a model from the UI and follows its progress until it is ready', { timeout: 180_000 }, async () => {
  const page = await desktop.newPage();
  await page.goto('/analytics/models');
  await page.getByRole('heading', { level: 1, name: 'Modèles de risque' }).waitFor();
  await page.getByText('Aucun modèle pour l’instant.').waitFor();
  await page.getByText('Seul un administrateur peut modifier ce réglage.').waitFor();
  await assertAccessible(page, 'the models page (empty)');
  await page.getByRole('button', { name: 'Entraîner un modèle' }).click();
  const progress = page.getByTestId('training-progress');
  await progress.waitFor();
  await assert.doesNotReject(page.getByRole('progressbar', { name: 'Avancement de l’entraînement' }).waitFor());
  await page.getByTestId('training-done').waitFor({ timeout: 150_000 });
  assert.equal(await progress.getAttribute('data-status'), 'done');
  assert.match((await page.getByTestId('training-phase').textContent()) ?? '', /Terminé · époque \d+ \/ \d+/);
  const row = page.getByTestId('model-row').first();
  await row.waitFor();
  assert.equal(await row.getAttribute('data-status'), 'ready');
  assert.match((await row.textContent()) ?? '', /Version 1/);
  await assertAccessible(page, 'the models page (trained)');
  await page.close();
});

test('the risk list shows reasons and trend, and an action is recorded with a note', async () => {
  const page = await desktop.newPage();
  await page.goto('/analytics/risk');
  await page.getByRole('heading', { level: 1, name: 'Risque de décrochage' }).waitFor();
  await page.getByTestId('advisory-banner').waitFor();
  assert.match((await page.getByTestId('advisory-banner').textContent()) ?? '', /RGPD art\. 22/);
  // The default view lists the learners at risk (high and medium): the screenshot shows them when there are some.
  await page.getByTestId('risk-item').or(page.getByTestId('empty-state')).first().waitFor();
  const atRisk = await page.getByTestId('risk-item').count();
  if (atRisk > 0) await screenshot(page, 'risk.png');
  await page.locator('label', { hasText: /^Tous$/ }).click();
  const first = page.getByTestId('risk-item').first();
  await first.waitFor();
  assert.match((await first.getByTestId('risk-band').textContent()) ?? '', /(Élevé|Moyen|Faible) · \d+\s?%/);
  assert.ok((await first.getByRole('listitem').count()) > 0, 'the prediction has reasons in words');
  await assertAccessible(page, 'the risk list');
  if (atRisk === 0) await screenshot(page, 'risk.png');

  const name = (await first.getByRole('heading', { level: 2 }).textContent())!;
  await first.getByRole('button', { name: 'Enregistrer une action' }).click();
  await first.getByRole('textbox', { name: 'Action', exact: true }).or(first.getByRole('combobox', { name: 'Action', exact: true })).first().click();
  await page.getByRole('option', { name: 'Contacté' }).click();
  await first.getByRole('textbox', { name: 'Note (facultative)' }).fill('Appel le 2 mars, rendez-vous pris.');
  await first.getByRole('button', { name: 'Enregistrer l’action' }).click();
  const item = page.getByTestId('risk-item').filter({ has: page.getByRole('heading', { level: 2, name }) });
  await item.getByTestId('latest-review').filter({ hasText: 'Dernière action : Contacté' }).waitFor();
  assert.match((await item.getByTestId('latest-review').textContent()) ?? '', /\(Europe\/Paris\) — Appel le 2 mars, rendez-vous pris\./);

  const phone = await signedInContext({ width: 375, height: 812 });
  const small = await phone.newPage();
  await small.goto('/analytics/risk');
  await small.getByTestId('advisory-banner').waitFor();
  await assertAccessible(small, 'the risk list on a phone');
  const overflow = await small.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `the risk list scrolls sideways on a phone by ${overflow}px`);
  await phone.close();
  await page.close();
});

/** The admin records a group attribute (with its legal basis) for every learner, alternating two values: fairness reports only. */
async function recordGroupAttribute(): Promise<void> {
  const admin = await browser.newContext({ baseURL: server.url });
  const signIn = await admin.request.post('/api/v1/auth/sign-in', { data: server.admin });
  assert.equal(signIn.status(), 200, await signIn.text());
  const { csrfToken } = (await signIn.json()) as { csrfToken: string };
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const res: APIResponse = await admin.request.get('/api/v1/people', { params: { role: 'learner', limit: 200, ...(cursor ? { cursor } : {}) } });
    assert.equal(res.status(), 200, await res.text());
    const body = (await res.json()) as { items: Array<{ id: string }>; nextCursor: string | null };
    ids.push(...body.items.map((p) => p.id));
    cursor = body.nextCursor;
  } while (cursor);
  assert.ok(ids.length > 60, `the demo has past learners (${ids.length})`);
  const recorded = await admin.request.post('/api/v1/analytics/group-attributes', {
    headers: { 'x-csrf-token': csrfToken },
    data: { attribute: 'gender', legalBasis: 'Art. 9(2)(g) RGPD : suivi de l’égalité de traitement, déclaration volontaire', values: ids.map((personId, i) => ({ personId, value: i % 2 ? 'F' : 'M' })) },
  });
  assert.equal(recorded.status(), 201, await recorded.text());
  await admin.close();
}

test('the model card shows data, features, metrics by week, limits, intended use and the fairness report', async () => {
  await recordGroupAttribute();
  const page = await desktop.newPage();
  await page.goto('/analytics/models');
  await page.getByRole('link', { name: 'Version 1' }).click();
  await page.getByRole('heading', { level: 1, name: 'Fiche du modèle, version 1' }).waitFor();
  const card = page.getByTestId('model-card');
  for (const section of ['Usage prévu', 'Données', 'Variables', 'Métriques de validation', 'Limites', 'Équité entre groupes']) {
    await card.getByRole('heading', { level: 2, name: section, exact: true }).waitFor();
  }
  assert.ok((await page.getByTestId('metrics-by-week').getByRole('row').count()) > 2, 'metrics by week are listed');
  // The recorded attribute is proposed and its report shown: one row per group, disparity ratios, legal basis.
  const fairness = page.getByTestId('fairness-report');
  await fairness.waitFor();
  assert.match((await fairness.textContent()) ?? '', /Art\. 9\(2\)\(g\) RGPD/);
  await fairness.getByRole('rowheader', { name: 'F', exact: true }).waitFor();
  await fairness.getByRole('rowheader', { name: 'M', exact: true }).waitFor();
  await fairness.getByText('Rapport des vrais positifs (min/max)').waitFor();
  await assertAccessible(page, 'the model card');
  await page.close();
});

test('a learner sees their prediction and objects on a phone; the manager answers; the learner reads the answer', async () => {
  const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, locale: 'fr-FR', timezoneId: 'Europe/Paris', baseURL: server.url, isMobile: true, hasTouch: true });
  const asked = await phone.request.post('/api/v1/auth/magic-link', { data: { email: server.learnerEmail } });
  assert.ok(asked.ok(), await asked.text());
  const outbox = (await (await desktop.request.get('/api/v1/outbox', { params: { limit: 50 } })).json()) as { items: Array<{ to: string; text: string }> };
  const mail = outbox.items.find((m) => m.to === server.learnerEmail);
  assert.ok(mail, 'the sign-in mail is in the outbox');
  const magic = /https?:\/\/\S+\/auth\/magic\?token=([\w-]+)/.exec(mail.text);
  assert.ok(magic, `the mail holds a sign-in link: ${mail.text}`);
  const learner = await phone.newPage();
  await learner.goto(`/auth/magic?token=${magic[1]}`);
  await learner.getByRole('heading', { name: 'Mes séances' }).waitFor();
  await learner.goto('/my/risk');
  await learner.getByRole('heading', { level: 1, name: 'Mon suivi' }).waitFor();
  await learner.getByTestId('advisory-banner').waitFor();
  const prediction = learner.getByTestId('my-prediction').first();
  await prediction.waitFor();
  assert.match((await prediction.getByTestId('risk-band').textContent()) ?? '', /(Élevé|Moyen|Faible) · \d+\s?%/);
  await assertAccessible(learner, 'the learner\'s risk page');
  await prediction.getByRole('button', { name: 'Contester' }).click();
  await prediction.getByRole('textbox', { name: 'Pourquoi contestez-vous cette prédiction ?' }).fill('J’étais en arrêt maladie, justifié.');
  await prediction.getByRole('button', { name: 'Contester' }).click();
  await learner.getByTestId('my-objection').filter({ hasText: 'J’étais en arrêt maladie, justifié.' }).waitFor();

  const page = await desktop.newPage();
  await page.goto('/analytics/objections');
  await page.getByRole('heading', { level: 1, name: 'Contestations des apprenants' }).waitFor();
  const objection = page.getByTestId('objection').filter({ hasText: 'J’étais en arrêt maladie, justifié.' });
  await objection.waitFor();
  await assertAccessible(page, 'the objections page');
  await objection.getByRole('textbox', { name: 'Réponse' }).fill('Merci, l’absence est bien justifiée : nous en tenons compte.');
  await objection.getByRole('button', { name: 'Envoyer la réponse' }).click();
  await page.getByTestId('empty-state').waitFor();

  await learner.reload();
  await learner.getByTestId('my-objection').filter({ hasText: 'nous en tenons compte' }).waitFor();
  await phone.close();
  await page.close();
});
