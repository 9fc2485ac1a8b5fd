import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../src/modules/demo/seed-demo.ts';
import { describeViolations, launchBrowser, ROOT, type RunningServer, screenshot, seriousA11yViolations, startServer } from './support.ts';

/**
 * The questionnaire builder in real Chromium against the real server, as the demo
 * manager: a positioning test from its template; a knowledge question edited
 * (prompt, options, right answer, points, skill); a question shown only after a
 * wrong answer; questions reordered from the keyboard and by dragging; the
 * preview as a learner (the condition shows and hides the question live); publish;
 * a distribution at the end of a session. A GIFT file with a syntax error shows
 * its line. axe-core on every page, desktop and 375 px; a trainer never sees the builder.
 */
const NOW = '2026-03-02T08:00:00Z'; // Monday 2 March 2026, 09:00 in Paris: the demo sessions start this week
const FIXTURES = join(ROOT, 'test', 'fixtures', 'questionnaires');

let server: RunningServer;
let browser: Browser;
let questionnaireId = '';

async function newContext(viewport: { width: number; height: number }, who: { email: string; password: string }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, locale: 'fr-FR', timezoneId: 'Europe/Paris', baseURL: server.url, isMobile: viewport.width < 500, hasTouch: viewport.width < 500 });
  await context.clock.setFixedTime(new Date(NOW));
  const signIn = await context.request.post('/api/v1/auth/sign-in', { data: who });
  assert.equal(signIn.status(), 200, await signIn.text());
  return context;
}
const manager = () => ({ email: server.admin.email.replace(/^admin@/, 'manager@'), password: DEMO_PASSWORD });

async function assertAccessible(page: Page, where: string): Promise<void> {
  const violations = await seriousA11yViolations(page);
  assert.equal(violations.length, 0, `axe-core: serious/critical violations on ${where}:\n${describeViolations(violations)}`);
}

/** Picks an option of a Mantine Select by its label, within `scope`. */
async function choose(page: Page, scope: Locator | Page, label: string, option: string | RegExp): Promise<void> {
  await scope.getByRole('textbox', { name: label, exact: true }).or(scope.getByRole('combobox', { name: label, exact: true })).first().click();
  await page.getByRole('option', { name: option }).first().click();
}

/** The prompts of the questionnaire, in order, as the API returns them. */
async function prompts(page: Page): Promise<string[]> {
  const res = await page.request.get(`/api/v1/questionnaires/${questionnaireId}`);
  const q = (await res.json()) as { sections: Array<{ questions: Array<{ prompt: string }> }> };
  return q.sections.flatMap((s) => s.questions.map((x) => x.prompt));
}

/** Waits until the server holds the questions in this order (a move is saved after it shows). */
async function waitForOrder(page: Page, expected: ReadonlyArray<string | undefined>, message: string): Promise<void> {
  let last: string[] = [];
  for (let i = 0; i < 100; i++) {
    last = await prompts(page);
    if (JSON.stringify(last) === JSON.stringify(expected)) return;
    await page.waitForTimeout(100);
  }
  assert.deepEqual(last, expected, message);
}

before(async () => {
  server = await startServer({ now: NOW });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('the manager builds a positioning test from a template, edits it, adds a condition, reorders, previews, publishes and distributes it', async () => {
  const context = await newContext({ width: 1280, height: 900 }, manager());
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));

  // The list, from the navigation.
  await page.goto('/');
  await page.getByRole('navigation').getByRole('link', { name: 'Questionnaires', exact: true }).click();
  await page.getByRole('heading', { name: 'Questionnaires', level: 1 }).waitFor();
  await page.getByTestId('questionnaire-row').first().or(page.getByTestId('empty-state')).waitFor();
  await assertAccessible(page, 'questionnaire list');

  // A GIFT file with a syntax error: the line and column are shown, nothing is created.
  const before = await page.getByTestId('questionnaire-row').count();
  await page.getByRole('button', { name: 'Importer GIFT / Moodle XML' }).click();
  const importDialog = page.getByRole('dialog', { name: 'Importer un quiz (GIFT ou Moodle XML)' });
  await importDialog.getByLabel('Fichier').setInputFiles(join(FIXTURES, 'broken-unclosed.gift'));
  await importDialog.getByRole('button', { name: 'Importer' }).click();
  await importDialog.getByText(/^Ligne 3, colonne \d+ :$/).waitFor();
  await importDialog.getByTestId('import-error-context').getByText(/Une accolade jamais fermée/).waitFor();
  await assertAccessible(page, 'import dialog with a syntax error');
  await importDialog.getByRole('button', { name: 'Annuler' }).click();
  assert.equal(await page.getByTestId('questionnaire-row').count(), before, 'nothing was created by the broken file');

  // From the template picker (French templates), a positioning test.
  await page.getByRole('button', { name: "Partir d'un modèle" }).click();
  const picker = page.getByRole('dialog', { name: "Partir d'un modèle" });
  await picker.getByTestId('template-card').first().waitFor();
  assert.equal(await picker.getByTestId('template-card').count(), 6);
  await assertAccessible(page, 'template picker');
  await screenshot(page, 'questionnaire-templates.png');
  await picker.getByRole('button', { name: 'Utiliser ce modèle : Test de positionnement' }).click();
  await page.waitForURL(/\/questionnaires\/[0-9a-f-]{36}\/edit$/);
  questionnaireId = page.url().match(/questionnaires\/([0-9a-f-]{36})\/edit/)![1]!;
  await page.getByRole('heading', { name: 'Test de positionnement', level: 1 }).waitFor();
  await page.getByTestId('builder-question').nth(4).waitFor();
  assert.equal(await page.getByTestId('builder-question').count(), 5);
  assert.equal(await page.getByTestId('questionnaire-status').textContent(), 'Brouillon');
  await assertAccessible(page, 'builder');
  await screenshot(page, 'questionnaire-builder.png');

  // Edit the first knowledge question: prompt, options, right answer, points, skill.
  await page.getByRole('button', { name: 'Modifier la question 4' }).click();
  const editor = page.getByTestId('question-editor');
  await editor.getByLabel('Énoncé').fill('Que renvoie une requête SELECT ?');
  await editor.getByLabel('Réponse 1', { exact: true }).fill('Des lignes');
  await editor.getByLabel('Réponse 2', { exact: true }).fill('Un fichier');
  await editor.getByLabel('Réponse 3', { exact: true }).fill('Un index');
  await editor.getByRole('button', { name: 'Ajouter une réponse' }).click();
  await editor.getByLabel('Réponse 4', { exact: true }).fill('Une table temporaire');
  // The right answer moves to "Une table temporaire", then back to "Des lignes": one right answer only.
  const correct = editor.getByRole('checkbox', { name: 'Bonne réponse' });
  await correct.nth(3).check();
  assert.equal(await correct.nth(0).isChecked(), false, 'a single-choice question keeps one right answer');
  await correct.nth(0).check();
  assert.equal(await correct.nth(3).isChecked(), false);
  await editor.getByLabel('Commentaire si la réponse 2 est choisie').fill('Non : SELECT renvoie un ensemble de lignes.');
  await editor.getByLabel('Points', { exact: true }).fill('2');
  await editor.getByLabel('Compétences').fill('sql');
  await editor.getByLabel('Compétences').press('Enter');
  await assertAccessible(page, 'question editor');
  await editor.scrollIntoViewIfNeeded();
  await screenshot(page, 'questionnaire-question-editor.png', { fullPage: true });
  // An empty prompt is refused by the API; the message sits next to the field.
  await editor.getByLabel('Énoncé').fill('   ');
  await editor.getByRole('button', { name: 'Enregistrer' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="question-editor"] textarea')?.getAttribute('aria-invalid') === 'true');
  await editor.getByLabel('Énoncé').fill('Que renvoie une requête SELECT ?');
  await editor.getByRole('button', { name: 'Enregistrer' }).click();
  await editor.waitFor({ state: 'detached' });
  const q4 = page.getByTestId('builder-question').nth(3);
  await q4.getByText('4. Que renvoie une requête SELECT ?').waitFor();
  await q4.getByText('Bonne réponse : Des lignes').waitFor();
  await q4.getByText('2 points').waitFor();
  await q4.getByTestId('skill-badge').getByText('sql').waitFor();

  // A question shown only to those who answered "Un fichier".
  const knowledge = page.getByTestId('builder-section').nth(1);
  await choose(page, knowledge, 'Type de la nouvelle question', 'Texte long');
  await knowledge.getByRole('button', { name: 'Ajouter une question' }).click();
  const added = page.getByTestId('question-editor');
  await added.getByLabel('Énoncé').fill('Pourquoi pensez-vous que SELECT renvoie un fichier ?');
  await added.getByLabel('Obligatoire').uncheck();
  await added.getByLabel('Afficher seulement selon une réponse précédente').check();
  await choose(page, added, 'Question précédente', /^4\. Que renvoie une requête SELECT/);
  await choose(page, added, 'Condition', 'est égale à');
  await choose(page, added, 'Valeur', 'Un fichier');
  await added.getByRole('button', { name: 'Ajouter la question' }).click();
  await added.waitFor({ state: 'detached' });
  const q6 = page.getByTestId('builder-question').nth(5);
  await q6.getByTestId('condition-text').getByText('Affichée si la réponse à la question 4 est égale à « Un fichier »').waitFor();

  // Reorder from the keyboard: question 1 goes down, announced; then the drag handle's arrow brings it back.
  const original = await prompts(page);
  assert.equal(original.length, 6);
  await page.getByRole('button', { name: /^Descendre la question 1 :/ }).focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('builder-announcer').getByText(/déplacée en position 2 sur 6/).waitFor();
  await page.waitForFunction(() => document.activeElement?.id.startsWith('move-down-'));
  await waitForOrder(page, [original[1], original[0], ...original.slice(2)], 'saved in the new order');
  await page.getByRole('button', { name: 'Déplacer la question 2 (glisser, ou flèches haut et bas)' }).focus();
  await page.keyboard.press('ArrowUp');
  await page.getByTestId('builder-announcer').getByText(/déplacée en position 1 sur 6/).waitFor();
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'drag-handle');
  await waitForOrder(page, original, 'back in the original order');
  // By dragging: question 3 onto question 1 goes before it; then the keyboard puts it back.
  await page.getByTestId('drag-handle').nth(2).dragTo(page.getByTestId('builder-question').nth(0));
  await page.getByTestId('builder-announcer').getByText(/déplacée en position 1 sur 6/).waitFor();
  await waitForOrder(page, [original[2], original[0], original[1], ...original.slice(3)], 'dragged into place');
  await page.getByRole('button', { name: /^Descendre la question 1 :/ }).click();
  await page.getByTestId('builder-announcer').getByText(/déplacée en position 2 sur 6/).waitFor();
  await page.getByRole('button', { name: /^Descendre la question 2 :/ }).click();
  await page.getByTestId('builder-announcer').getByText(/déplacée en position 3 sur 6/).waitFor();
  await waitForOrder(page, original, 'back in the original order after the drag');

  // Preview as a learner: the conditional question appears after "Un fichier" and goes after "Des lignes"; nothing is saved.
  await page.getByRole('link', { name: 'Aperçu comme un apprenant' }).click();
  await page.getByRole('heading', { name: 'Aperçu : Test de positionnement', level: 1 }).waitFor();
  const count = page.getByTestId('preview-visible-count');
  await count.getByText('5 question(s) affichée(s) sur 6').waitFor();
  const conditional = page.getByText('Pourquoi pensez-vous que SELECT renvoie un fichier ?');
  assert.equal(await conditional.count(), 0, 'hidden until its condition holds');
  await page.getByRole('group', { name: /Que renvoie une requête SELECT/ }).getByLabel('Un fichier').check();
  await conditional.waitFor();
  await count.getByText('6 question(s) affichée(s) sur 6').waitFor();
  await assertAccessible(page, 'preview with the conditional question shown');
  await screenshot(page, 'questionnaire-preview.png', { fullPage: true });
  await page.getByRole('group', { name: /Que renvoie une requête SELECT/ }).getByLabel('Des lignes').check();
  await conditional.waitFor({ state: 'detached' });
  await count.getByText('5 question(s) affichée(s) sur 6').waitFor();
  await page.getByRole('button', { name: "Vérifier comme à l'envoi" }).click();
  await page.getByTestId('preview-check').getByText(/questions? obligatoires? sans réponse/).waitFor();
  const responses = await page.request.get(`/api/v1/questionnaires/${questionnaireId}/distributions`);
  assert.deepEqual(((await responses.json()) as { items: unknown[] }).items, [], 'the preview sends nothing');

  // Publishing checks the quiz: a scored question without a right answer is flagged on the question itself.
  await page.getByRole('link', { name: 'Retour au questionnaire' }).click();
  await page.getByRole('button', { name: 'Modifier la question 5' }).click();
  const q5editor = page.getByTestId('question-editor');
  for (const box of await q5editor.getByRole('checkbox', { name: 'Bonne réponse' }).all()) await box.uncheck();
  await q5editor.getByRole('button', { name: 'Enregistrer' }).click();
  await q5editor.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Publier' }).click();
  const problems = page.getByTestId('publish-problems');
  await problems.getByText('Publication impossible : 1 problème').waitFor();
  await problems.getByRole('link', { name: 'Question 5' }).waitFor();
  await page.getByTestId('builder-question').nth(4).getByText("une question notée d'un quiz doit avoir une bonne réponse").waitFor();
  assert.equal(await page.getByTestId('questionnaire-status').textContent(), 'Brouillon');
  await assertAccessible(page, 'builder with publication problems');
  await page.getByRole('button', { name: 'Modifier la question 5' }).click();
  await q5editor.getByRole('checkbox', { name: 'Bonne réponse' }).first().check();
  await q5editor.getByRole('button', { name: 'Enregistrer' }).click();
  await q5editor.waitFor({ state: 'detached' });
  assert.equal(await problems.count(), 0, 'the problems go once the question is fixed');

  // Publish, then distribute at the end of a session of the demo's first cohort.
  await page.getByRole('button', { name: 'Publier' }).click();
  await page.getByTestId('questionnaire-status').getByText('Publié').waitFor();
  await page.getByText(/Un questionnaire publié ne change plus/).waitFor();
  assert.equal(await page.getByRole('button', { name: /^Descendre la question/ }).count(), 0, 'a published questionnaire is frozen');
  await page.getByRole('button', { name: 'Nouvelle diffusion' }).click();
  const form = page.getByTestId('distribution-form');
  await choose(page, form, 'Rattacher à', 'Séance');
  await choose(page, form, 'Cohorte', /Groupe A/);
  await choose(page, form, 'Séance', /lun\. 2 mars 2026/);
  await choose(page, form, 'Déclencheur', 'À la fin de la séance');
  await choose(page, form, 'Destinataires', 'Apprenants');
  await assertAccessible(page, 'distribution form');
  await form.getByRole('button', { name: 'Programmer la diffusion' }).click();
  const row = page.getByTestId('distribution-row');
  await row.waitFor();
  await row.getByText('Fin de la séance').waitFor();
  await row.getByText('Programmée').waitFor();
  await row.getByText('Relances à J+3').waitFor();
  await row.getByText(/Prévue : lun\. 2 mars 2026, 12:30 \(Europe\/Paris\)/).waitFor();
  await row.getByTestId('distribution-responses').getByText('0 / 0').waitFor();
  const saved = (await (await page.request.get(`/api/v1/questionnaires/${questionnaireId}/distributions`)).json()) as { items: Array<{ targetType: string; trigger: string; audience: string; reminderDays: number[] }> };
  assert.deepEqual(saved.items.map((d) => [d.targetType, d.trigger, d.audience, d.reminderDays]), [['session', 'end_of_session', 'learners', [3]]]);
  await assertAccessible(page, 'builder, published, with its distribution');
  await screenshot(page, 'questionnaire-distribution.png', { fullPage: true });

  assert.deepEqual(pageErrors, [], 'no uncaught error in the page');
  await context.close();
});

test('the builder pages work on a phone (375×812) and a trainer never sees them', async () => {
  assert.ok(questionnaireId, 'the first test made a questionnaire');
  const phone = await newContext({ width: 375, height: 812 }, manager());
  const page = await phone.newPage();
  const noHorizontalScroll = async (where: string) => {
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `no horizontal scrolling on ${where} (scrollWidth ${width})`);
  };
  await page.goto('/questionnaires');
  await page.getByTestId('questionnaire-row').first().waitFor(); // the questionnaire of the first test
  await assertAccessible(page, 'phone list');
  await noHorizontalScroll('the list');
  await page.goto(`/questionnaires/${questionnaireId}/edit`);
  await page.getByTestId('distribution-row').waitFor();
  await assertAccessible(page, 'phone builder');
  await noHorizontalScroll('the builder');
  await page.goto(`/questionnaires/${questionnaireId}/preview`);
  await page.getByTestId('question-form').waitFor();
  await page.getByRole('group', { name: /Que renvoie une requête SELECT/ }).getByLabel('Un fichier').check();
  await page.getByText('Pourquoi pensez-vous que SELECT renvoie un fichier ?').waitFor();
  await assertAccessible(page, 'phone preview');
  await noHorizontalScroll('the preview');
  await screenshot(page, 'mobile-questionnaire-preview.png');
  await phone.close();

  // A draft made on a phone: the builder's editor fits too.
  const desktopDraft = await newContext({ width: 375, height: 812 }, manager());
  const draftPage = await desktopDraft.newPage();
  const created = await draftPage.request.post('/api/v1/questionnaires/from-template', { data: { key: 'end_of_session_satisfaction' }, headers: { 'x-csrf-token': await csrf(draftPage) } });
  assert.equal(created.status(), 201, await created.text());
  const draftId = ((await created.json()) as { id: string }).id;
  await draftPage.goto(`/questionnaires/${draftId}/edit`);
  await draftPage.getByRole('heading', { name: 'Satisfaction de fin de séance', level: 1 }).waitFor();
  await draftPage.getByRole('button', { name: 'Modifier la question 1' }).click();
  await draftPage.getByTestId('question-editor').waitFor();
  await assertAccessible(draftPage, 'phone question editor');
  const width = await draftPage.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `no horizontal scrolling in the editor (scrollWidth ${width})`);
  await desktopDraft.close();

  const trainer = await newContext({ width: 1280, height: 900 }, server.trainer);
  const trainerPage = await trainer.newPage();
  await trainerPage.goto(`/questionnaires/${questionnaireId}/edit`);
  await trainerPage.waitForURL('**/my/calendar');
  assert.equal(await trainerPage.getByRole('navigation').getByRole('link', { name: 'Questionnaires', exact: true }).count(), 0, 'no builder in a trainer’s navigation');
  await trainer.close();
});

test('a question bank feeds a random draw in a section', async () => {
  const context = await newContext({ width: 1280, height: 900 }, manager());
  const page = await context.newPage();
  await page.goto('/questionnaires');
  await page.getByRole('link', { name: 'Banques de questions' }).click();
  await page.getByRole('heading', { name: 'Banques de questions', level: 1 }).waitFor();
  await assertAccessible(page, 'question banks');
  await page.getByLabel('Nom de la banque').fill('Banque SQL');
  await page.getByRole('button', { name: 'Créer' }).click();
  await page.getByRole('heading', { name: 'Banque SQL', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Ajouter une question' }).click();
  const editor = page.getByTestId('question-editor');
  await editor.getByLabel('Énoncé').fill('Quel mot-clé filtre les lignes ?');
  await editor.getByLabel('Réponse 1', { exact: true }).fill('WHERE');
  await editor.getByLabel('Réponse 2', { exact: true }).fill('ORDER BY');
  await editor.getByRole('checkbox', { name: 'Bonne réponse' }).first().check();
  await editor.getByLabel('Points', { exact: true }).fill('1');
  assert.equal(await editor.getByLabel('Afficher seulement selon une réponse précédente').count(), 0, 'no condition in a bank');
  await editor.getByRole('button', { name: 'Ajouter la question' }).click();
  await page.getByTestId('bank-question').getByText('1. Quel mot-clé filtre les lignes ?').waitFor();
  await assertAccessible(page, 'question bank');

  // A blank quiz whose only part draws one question from the bank.
  await page.goto('/questionnaires');
  await page.getByRole('button', { name: 'Questionnaire vierge' }).click();
  const dialog = page.getByRole('dialog', { name: 'Questionnaire vierge' });
  await dialog.getByLabel('Titre').fill('Quiz tiré au sort');
  await dialog.getByRole('button', { name: 'Créer' }).click();
  await page.getByRole('heading', { name: 'Quiz tiré au sort', level: 1 }).waitFor();
  const section = page.getByTestId('builder-section').first();
  await section.getByLabel('Tirer des questions au hasard dans une banque').check();
  await choose(page, section, 'Banque de questions', /^Banque SQL \(1 questions\)$/);
  await section.getByLabel('Nombre de questions tirées').fill('1');
  await section.getByRole('button', { name: 'Enregistrer la partie' }).click();
  await section.getByTestId('draw-rule').getByText('Tirage au hasard de 1 question(s) dans la banque « Banque SQL ».').waitFor();
  await assertAccessible(page, 'builder with a draw rule');

  // A Likert matrix and a graded ranking, beside the draw.
  await choose(page, section, 'Type de la nouvelle question', 'Matrice de Likert');
  await section.getByRole('button', { name: 'Ajouter une question' }).click();
  const likert = page.getByTestId('question-editor');
  await likert.getByLabel('Énoncé').fill('Où en êtes-vous ?');
  await likert.getByLabel('Affirmation 1', { exact: true }).fill('Je sais écrire une jointure');
  await likert.getByRole('button', { name: 'Ajouter une affirmation' }).click();
  await likert.getByLabel('Affirmation 2', { exact: true }).fill('Je sais créer un index');
  await likert.getByRole('button', { name: 'Ajouter la question' }).click();
  await likert.waitFor({ state: 'detached' });
  await choose(page, section, 'Type de la nouvelle question', 'Classement');
  await section.getByRole('button', { name: 'Ajouter une question' }).click();
  const ranking = page.getByTestId('question-editor');
  await ranking.getByLabel('Énoncé').fill("Classez les clauses dans l'ordre d'écriture");
  await ranking.getByLabel('Réponse 1', { exact: true }).fill('SELECT');
  await ranking.getByLabel('Réponse 2', { exact: true }).fill('FROM');
  await ranking.getByRole('button', { name: 'Ajouter une réponse' }).click();
  await ranking.getByLabel('Réponse 3', { exact: true }).fill('WHERE');
  await ranking.getByLabel('Points', { exact: true }).fill('3');
  await ranking.getByLabel(/L'ordre ci-dessus est le bon classement/).check();
  await ranking.getByRole('button', { name: 'Ajouter la question' }).click();
  await ranking.waitFor({ state: 'detached' });
  const saved = (await (await page.request.get(page.url().replace('/edit', '').replace('/questionnaires/', '/api/v1/questionnaires/'))).json()) as { sections: Array<{ questions: Array<{ type: string; settings: Record<string, unknown>; options: Array<{ id: string; label: string }> }> }> };
  const [likertQ, rankingQ] = saved.sections[0]!.questions;
  assert.deepEqual((likertQ!.settings.rows as Array<{ label: string }>).map((r) => r.label), ['Je sais écrire une jointure', 'Je sais créer un index']);
  assert.equal(likertQ!.options.length, 4, 'a four-point agreement scale by default');
  assert.deepEqual(rankingQ!.settings.correctOrder, rankingQ!.options.map((o) => o.id), 'the order given is the right ranking');

  // Questions imported from a GIFT file into this draft, as a new part.
  await page.getByRole('button', { name: 'Importer des questions' }).click();
  const importDialog = page.getByRole('dialog', { name: 'Importer des questions (GIFT ou Moodle XML)' });
  await importDialog.getByLabel('Fichier').setInputFiles(join(FIXTURES, 'sql-basics.gift'));
  await importDialog.getByLabel('Titre de la nouvelle partie (facultatif)').fill('Bases de SQL (GIFT)');
  await importDialog.getByRole('button', { name: 'Importer' }).click();
  await importDialog.waitFor({ state: 'detached' });
  const imported = page.getByTestId('builder-section').nth(1);
  await imported.getByRole('heading', { name: 'Bases de SQL (GIFT)' }).waitFor();
  assert.equal(await imported.getByTestId('builder-question').count(), 8);

  await page.getByRole('link', { name: 'Aperçu comme un apprenant' }).click();
  await page.getByRole('group', { name: /Quel mot-clé filtre les lignes/ }).getByLabel('WHERE').waitFor();
  await page.getByRole('group', { name: 'Je sais créer un index' }).getByLabel("Tout à fait d'accord").check();
  await page.getByRole('button', { name: 'Descendre « SELECT »' }).click();
  await page.getByText('SELECT est maintenant en position 2 sur 3.').waitFor();
  await assertAccessible(page, 'preview with a matrix and a ranking');
  await page.getByRole('link', { name: 'Retour au questionnaire' }).click();
  await page.getByRole('button', { name: 'Publier' }).click();
  await page.getByTestId('questionnaire-status').getByText('Publié').waitFor();
  await context.close();
});

async function csrf(page: Page): Promise<string> {
  const res = await page.request.get('/api/v1/auth/session');
  return ((await res.json()) as { csrfToken: string }).csrfToken;
}
