import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeViolations, launchBrowser, ROOT, type RunningServer, screenshot, seriousA11yViolations, startServer } from './support.ts';

/**
 * The admin's journey in real Chromium against the real server: sign in with a
 * password, import 30 learners into a cohort from a CSV file (preview, then
 * import), generate a week of sessions from the calendar and see them on the
 * week view; axe-core on every page, desktop and phone (375×812). The tests run
 * in order and share one server: later ones use the cohort and sessions of the first.
 */
const NOW = '2026-03-02T08:00:00Z'; // Monday 2 March 2026, 09:00 in Paris: server and browser agree on "today"
const WEEK = '2026-03-02';
const COHORT = 'Promo Printemps 2026';
const FIXTURES = join(ROOT, 'e2e', 'fixtures');

let server: RunningServer;
let browser: Browser;
let desktop: BrowserContext;
let cohortId = '';

async function newContext(viewport: { width: number; height: number }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, locale: 'fr-FR', timezoneId: 'Europe/Paris', baseURL: server.url, isMobile: viewport.width < 500, hasTouch: viewport.width < 500 });
  await context.clock.setFixedTime(new Date(NOW));
  return context;
}

/** A context where the demo admin is signed in (the session cookie set by the API). */
async function adminContext(viewport: { width: number; height: number }): Promise<BrowserContext> {
  const context = await newContext(viewport);
  const signIn = await context.request.post('/api/v1/auth/sign-in', { data: server.admin });
  assert.equal(signIn.status(), 200, await signIn.text());
  return context;
}

async function assertAccessible(page: Page, where: string): Promise<void> {
  const violations = await seriousA11yViolations(page);
  assert.equal(violations.length, 0, `axe-core: serious/critical violations on ${where}:\n${describeViolations(violations)}`);
}

/** Picks an option of a Mantine Select by its label, within `scope`. */
async function choose(page: Page, scope: ReturnType<Page['locator']> | Page, label: string, option: string | RegExp): Promise<void> {
  await scope.getByRole('textbox', { name: label, exact: true }).or(scope.getByRole('combobox', { name: label, exact: true })).first().click();
  await page.getByRole('option', { name: option }).first().click();
}

before(async () => {
  server = await startServer({ now: NOW });
  browser = await launchBrowser();
  desktop = await newContext({ width: 1280, height: 900 });
  // The cohort the learners are imported into: created through the API as the admin would.
  const api = desktop.request;
  const signIn = await api.post('/api/v1/auth/sign-in', { data: server.admin });
  assert.equal(signIn.status(), 200, await signIn.text());
  const { csrfToken } = (await signIn.json()) as { csrfToken: string };
  const headers = { 'x-csrf-token': csrfToken };
  const program = await api.post('/api/v1/programs', { data: { title: 'Développeur web et web mobile', plannedHours: 350 }, headers });
  assert.equal(program.status(), 201, await program.text());
  const cohort = await api.post('/api/v1/cohorts', { data: { programId: ((await program.json()) as { id: string }).id, name: COHORT, startsOn: WEEK, endsOn: '2026-06-26' }, headers });
  assert.equal(cohort.status(), 201, await cohort.text());
  cohortId = ((await cohort.json()) as { id: string }).id;
  // The journey starts signed out.
  await api.post('/api/v1/auth/sign-out', { headers });
  await desktop.clearCookies();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('the admin signs in, imports 30 learners, generates a week of sessions and sees them on the calendar', async () => {
  const page = await desktop.newPage();
  const consoleErrors: string[] = [];
  page.on('pageerror', (error) => consoleErrors.push(error.message));

  // Sign in with a password.
  await page.goto('/');
  await page.waitForURL('**/sign-in');
  await page.getByRole('heading', { name: 'Connexion' }).waitFor();
  await assertAccessible(page, 'sign-in');
  await screenshot(page, 'sign-in.png');
  await page.getByLabel('Adresse e-mail').fill(server.admin.email);
  await page.getByLabel('Mot de passe').fill('wrong password');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByText('Adresse e-mail ou mot de passe incorrect.').waitFor();
  await page.getByLabel('Mot de passe').fill(server.admin.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('heading', { name: /^Bonjour / }).waitFor();
  await page.getByText('Séances cette semaine').waitFor();
  await assertAccessible(page, 'dashboard');

  // Import: first a file with errors (highlighted, nothing importable), then the 30 learners.
  await page.getByRole('navigation').getByRole('link', { name: 'Imports CSV' }).click();
  await page.getByRole('heading', { name: 'Import CSV' }).waitFor();
  await choose(page, page, 'Promotion', new RegExp(COHORT));
  await page.getByLabel('Fichier CSV').setInputFiles(join(FIXTURES, 'learners-with-errors.csv'));
  await page.getByRole('button', { name: 'Prévisualiser' }).click();
  const errors = page.getByTestId('import-errors');
  await errors.waitFor();
  // Each line's error in French, worded from its code (the API's message is English), the column named as in the file.
  await errors.getByText('ligne 3, colonne email : « lea.martin@exemple » n\'est pas une adresse e-mail valide').waitFor();
  await errors.getByText('ligne 4, colonne prénom : est vide').waitFor();
  assert.equal(await page.locator('tr[data-status="error"]').count(), 2, 'two lines are flagged as errors');
  assert.ok(await page.getByRole('button', { name: /^Importer/ }).isDisabled(), 'a file with errors cannot be imported without allowPartial');
  await assertAccessible(page, 'import preview with errors');
  await screenshot(page, 'import-errors.png', { fullPage: true });

  await page.getByLabel('Fichier CSV').setInputFiles(join(FIXTURES, 'learners-30.csv'));
  await page.getByRole('button', { name: 'Prévisualiser' }).click();
  const preview = page.getByTestId('import-preview');
  await preview.waitFor();
  await preview.getByText('30 créations').waitFor();
  assert.equal(await preview.locator('tr[data-status="create"]').count(), 30);
  await preview.getByRole('cell', { name: 'Éloïse' }).waitFor();
  await assertAccessible(page, 'import preview');
  await screenshot(page, 'import-preview.png');
  await page.getByRole('button', { name: 'Importer 30 lignes' }).click();
  await page.getByTestId('import-result').getByText('30 créé(s), 0 mis à jour, 30 inscrit(s) dans la promotion.').waitFor();

  // The cohort now lists its 30 learners.
  await page.getByRole('link', { name: `Ouvrir la promotion ${COHORT}` }).click();
  await page.getByRole('heading', { name: COHORT }).waitFor();
  const enrolments = page.getByTestId('enrolments-table');
  await enrolments.waitFor();
  assert.equal(await enrolments.locator('tbody tr').count(), 30);
  await enrolments.getByText('camille.durand@exemple.fr').waitFor();
  await assertAccessible(page, 'cohort');
  await screenshot(page, 'cohort.png');

  // Calendar: generate a week of sessions (preview, then create) and see them on the week view.
  await page.getByRole('navigation').getByRole('link', { name: 'Calendrier des séances' }).click();
  await page.getByRole('heading', { name: 'Calendrier des séances' }).waitFor();
  await page.getByTestId('week-label').getByText('Semaine du lun. 2 mars 2026 au dim. 8 mars 2026 (Europe/Paris)').waitFor();
  await assertAccessible(page, 'calendar (empty week)');
  await page.getByRole('button', { name: 'Générer des séances' }).click();
  const form = page.getByRole('form', { name: 'Générer des séances' });
  await choose(page, form, 'Promotion', new RegExp(COHORT));
  await form.getByLabel('À partir du').fill(WEEK);
  await form.getByRole('button', { name: 'Prévisualiser' }).click();
  await form.getByText('10 séances seront créées (0 ignorée(s)).').waitFor();
  await assertAccessible(page, 'generate preview');
  await form.getByRole('button', { name: 'Créer 10 séances' }).click();
  await form.getByText('10 séances créées.').waitFor();
  await page.getByRole('button', { name: 'Générer des séances' }).click(); // close the panel
  const week = page.getByTestId('calendar-week');
  await week.locator('[data-session-id]').first().waitFor();
  assert.equal(await week.locator('[data-session-id]').count(), 10, 'ten half-day sessions on the week view');
  for (const day of ['2026-03-02', '2026-03-06']) {
    for (const half of ['am', 'pm']) {
      const cell = week.locator(`td[data-date="${day}"][data-half-day="${half}"]`);
      assert.equal(await cell.locator('[data-session-id]').count(), 1, `one session on ${day} ${half}`);
    }
  }
  await week.locator('td[data-date="2026-03-02"][data-half-day="am"]').getByText('09:00–12:30 (Europe/Paris)').waitFor();
  await week.locator('td[data-date="2026-03-02"][data-half-day="pm"]').getByText('13:30–17:00 (Europe/Paris)').waitFor();
  assert.equal(await week.locator('td[data-date="2026-03-07"] [data-session-id]').count(), 0, 'nothing on Saturday');
  await assertAccessible(page, 'calendar week');
  await screenshot(page, 'calendar-week.png');

  // Next week is empty; the filter keeps the cohort; English switch translates the page.
  await page.getByRole('button', { name: 'Semaine suivante' }).click();
  await page.getByTestId('week-label').getByText(/9 mars 2026/).waitFor();
  await page.getByText('Aucune séance cette semaine.').waitFor();
  await page.getByRole('button', { name: 'Semaine précédente' }).click();
  await week.locator('[data-session-id]').first().waitFor();
  await page.getByText('EN', { exact: true }).click();
  await page.getByRole('heading', { name: 'Session calendar' }).waitFor();
  await page.getByTestId('week-label').getByText('Week from Mon, 2 March 2026 to Sun, 8 March 2026 (Europe/Paris)').waitFor();
  await page.getByText('FR', { exact: true }).click();
  await page.getByRole('heading', { name: 'Calendrier des séances' }).waitFor();

  assert.deepEqual(consoleErrors, [], 'no uncaught error in the page');
  await page.close();
});

test('the key pages work on a phone (375×812): burger navigation, calendar as a day list', async () => {
  const phone = await adminContext({ width: 375, height: 812 });
  const page = await phone.newPage();
  await page.goto(`/calendar?week=${WEEK}&cohortId=${cohortId}`);
  await page.getByRole('heading', { name: 'Calendrier des séances' }).waitFor();
  const week = page.getByTestId('calendar-week');
  await week.locator('[data-session-id]').first().waitFor();
  assert.equal(await week.getAttribute('data-layout'), 'list');
  assert.equal(await week.locator('[data-session-id]').count(), 10);
  const nav = page.getByRole('navigation', { name: 'Navigation principale' });
  assert.equal(await nav.getByRole('link', { name: 'Imports CSV' }).isVisible(), false, 'the navigation is collapsed');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `no horizontal scrolling of the page (scrollWidth ${width})`);
  await assertAccessible(page, 'phone calendar');
  await screenshot(page, 'mobile-calendar.png', { fullPage: false });

  await page.getByRole('button', { name: 'Ouvrir le menu' }).click();
  await nav.getByRole('link', { name: 'Imports CSV' }).click();
  await page.getByRole('heading', { name: 'Import CSV' }).waitFor();
  assert.equal(await nav.getByRole('link', { name: 'Imports CSV' }).isVisible(), false, 'the menu closes after navigating');
  await assertAccessible(page, 'phone import');

  await page.goto(`/cohorts/${cohortId}`);
  await page.getByTestId('enrolments-table').waitFor();
  await assertAccessible(page, 'phone cohort');

  await page.goto('/sign-in'); // signed in: goes home
  await page.getByRole('heading', { name: /^Bonjour / }).waitFor();
  await assertAccessible(page, 'phone dashboard');
  await phone.close();
});

test('a learner asks for a sign-in link, the admin reads it in the outbox, the link signs the learner in once', async () => {
  const learnerContext = await newContext({ width: 1280, height: 900 });
  const learner = await learnerContext.newPage();
  await learner.goto('/sign-in');
  await learner.getByRole('button', { name: 'Recevoir un lien de connexion par e-mail' }).click();
  await learner.getByLabel('Adresse e-mail').fill(server.learnerEmail);
  await learner.getByRole('button', { name: 'Recevoir le lien' }).click();
  await learner.getByText(`Si un compte existe pour ${server.learnerEmail}, un lien de connexion vient d'être envoyé.`).waitFor();
  await assertAccessible(learner, 'magic link requested');

  // The admin finds the mail in the outbox (no SMTP configured) and reads the link.
  const adminSide = await adminContext({ width: 1280, height: 900 });
  const admin = await adminSide.newPage();
  await admin.goto('/outbox');
  await admin.getByRole('heading', { name: 'Courriels envoyés' }).waitFor();
  const row = admin.getByRole('row').filter({ hasText: server.learnerEmail }).first();
  await row.waitFor();
  await assertAccessible(admin, 'outbox');
  await row.getByRole('link').click();
  const body = admin.getByTestId('mail-body');
  await body.waitFor();
  const href = await body.getByRole('link').first().getAttribute('href');
  const token = new URL(href ?? 'http://invalid/').searchParams.get('token');
  assert.ok(token, `the mail holds a sign-in link with a token (got ${href})`);
  await assertAccessible(admin, 'outbox mail');

  // API keys: a new key is shown once.
  await admin.getByRole('navigation').getByRole('link', { name: "Clés d'API" }).click();
  await admin.getByRole('heading', { name: "Clés d'API" }).waitFor();
  await admin.getByLabel('Nom').fill('Export BI');
  await admin.getByRole('button', { name: 'Créer' }).click();
  const created = admin.getByTestId('new-api-key');
  await created.getByText(/^emk_/).waitFor();
  await admin.getByRole('cell', { name: 'Export BI', exact: true }).waitFor();
  await assertAccessible(admin, 'API keys');
  await adminSide.close();

  // The link signs the learner in and lands on their sessions; it cannot be used twice.
  await learner.goto(`/auth/magic?token=${token}`);
  await learner.getByRole('heading', { name: 'Mes séances' }).waitFor();
  await learner.locator('[data-session-id]').first().waitFor();
  await assertAccessible(learner, 'learner sessions');
  const again = await newContext({ width: 1280, height: 900 });
  const second = await again.newPage();
  await second.goto(`/auth/magic?token=${token}`);
  await second.getByText('Ce lien de connexion est invalide, expiré ou déjà utilisé. Demandez-en un nouveau.').waitFor();
  await again.close();
  await learnerContext.close();
});

test('lists and forms: the admin creates a program and a person, cancels a session; a trainer sees their own calendar and cohorts', async () => {
  const context = await adminContext({ width: 1280, height: 900 });
  const page = await context.newPage();

  await page.goto('/programs');
  await page.getByRole('heading', { name: 'Formations', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Nouvelle formation' }).click();
  const programForm = page.getByRole('form', { name: 'Nouvelle formation' });
  await programForm.getByLabel('Intitulé').fill('Secrétaire assistant médico-social');
  await programForm.getByLabel('Code').fill('SAMS-2026');
  await programForm.getByRole('button', { name: 'Créer' }).click();
  await page.getByRole('heading', { name: 'Secrétaire assistant médico-social' }).waitFor();
  await page.getByLabel('Intitulé du module').fill('Accueil et communication');
  await page.getByRole('button', { name: 'Ajouter le module' }).click();
  await page.getByRole('cell', { name: 'Accueil et communication' }).waitFor();
  await assertAccessible(page, 'program');

  await page.goto('/people');
  await page.getByRole('heading', { name: 'Apprenants et personnes', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Nouvelle personne' }).click();
  const personForm = page.getByRole('form', { name: 'Nouvelle personne' });
  await personForm.getByLabel('Prénom').fill('Gaëlle');
  await personForm.getByLabel('Nom de famille').fill('Le Goff');
  await personForm.getByLabel('Adresse e-mail').fill('not-an-email');
  await personForm.getByRole('button', { name: 'Créer' }).click();
  await personForm.getByText('Certains champs ne sont pas valides.').waitFor();
  await personForm.getByText(/email/).first().waitFor();
  await personForm.getByLabel('Adresse e-mail').fill('gaelle.legoff@exemple.fr');
  await personForm.getByRole('button', { name: 'Créer' }).click();
  await page.getByRole('heading', { name: 'Gaëlle Le Goff' }).waitFor();
  await assertAccessible(page, 'person');

  // Cancel the Friday afternoon session generated by the first journey.
  await page.goto(`/calendar?week=${WEEK}&cohortId=${cohortId}`);
  const cell = page.locator('td[data-date="2026-03-06"][data-half-day="pm"]');
  await cell.getByRole('link').click();
  await page.getByRole('heading', { name: `${COHORT} — Après-midi` }).waitFor();
  await page.getByText('ven. 6 mars 2026, 13:30 (Europe/Paris)').waitFor();
  await assertAccessible(page, 'session');
  await choose(page, page, 'Statut', 'Annulée');
  await page.getByLabel('Lieu').fill('Salle 2');
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await page.getByText('Modifications enregistrées.').waitFor();
  await page.getByRole('link', { name: 'Retour au calendrier' }).click();
  await cell.getByText('Annulée').waitFor();
  await cell.getByText(/Salle 2/).waitFor();
  await context.close();

  // A trainer of the demo organisation: their calendar (their cohorts only) and their cohorts.
  const trainerContext = await newContext({ width: 1280, height: 900 });
  const trainer = await trainerContext.newPage();
  await trainer.goto('/sign-in');
  await trainer.getByLabel('Adresse e-mail').fill(server.trainer.email);
  await trainer.getByLabel('Mot de passe').fill(server.trainer.password);
  await trainer.getByRole('button', { name: 'Se connecter' }).click();
  await trainer.getByRole('heading', { name: 'Mes séances (calendrier)' }).waitFor();
  await trainer.locator('[data-session-id]').first().waitFor();
  const cohorts = await trainer.locator('[data-session-id]').allInnerTexts();
  assert.ok(cohorts.every((text) => !text.includes(COHORT)), 'the trainer does not see the sessions of a cohort they do not teach');
  assert.equal(await trainer.getByRole('link', { name: 'Imports CSV' }).count(), 0, 'no staff navigation for a trainer');
  await assertAccessible(trainer, 'trainer calendar');
  await trainer.getByRole('navigation').getByRole('link', { name: 'Mes promotions' }).click();
  await trainer.getByRole('heading', { name: 'Mes promotions' }).waitFor();
  await trainer.getByRole('table').getByRole('link').first().waitFor();
  await assertAccessible(trainer, 'trainer cohorts');
  await trainerContext.close();
});
