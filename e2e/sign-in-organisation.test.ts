import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { hashPassword } from '../src/platform/auth/password.ts';
import { makeOrganisation, makePerson } from '../test/factories.ts';
import { launchBrowser, type RunningServer, startServer } from './support.ts';

let server: RunningServer;
let browser: Browser;
before(async () => {
  server = await startServer({ now: '2026-03-02T08:00:00Z' });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('an email that is a person in two organisations signs in through /sign-in?organisation=<slug>', async () => {
  // Another organisation has a person with the demo admin's email and the same password.
  const other = await makeOrganisation(server.db, { name: 'Autre organisme' });
  await makePerson(server.db, other.id, ['trainer'], { email: server.admin.email, passwordHash: await hashPassword(server.admin.password) });
  const demo = await server.db.selectFrom('people as p').innerJoin('organisations as o', 'o.id', 'p.organisation_id').select('o.slug').where('p.email', '=', server.admin.email).where('o.id', '!=', other.id).executeTakeFirstOrThrow();

  const context = await browser.newContext({ baseURL: server.url, locale: 'fr-FR', timezoneId: 'Europe/Paris', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`/sign-in?organisation=${other.slug}`);
  await page.getByLabel('Adresse e-mail').fill(server.admin.email);
  await page.getByLabel('Mot de passe').fill(server.admin.password);
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/sign-in'));
  await page.getByRole('button', { name: 'Se connecter' }).click();
  const response = await answer;
  assert.equal(response.status(), 200);
  assert.equal(((await response.json()) as { organisation: { slug: string } }).organisation.slug, other.slug, 'the organisation named in the address');
  assert.notEqual(other.slug, demo.slug);
  await context.close();
});
