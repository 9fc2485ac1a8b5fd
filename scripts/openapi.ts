/**
 * Generates the OpenAPI 3.1 document from the route schemas.
 *   node scripts/openapi.ts          writes docs/openapi.json
 *   node scripts/openapi.ts --check  exits 1 when docs/openapi.json has drifted
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { systemClock } from '../src/platform/clock.ts';
import { createDatabase } from '../src/platform/db/database.ts';

export const OPENAPI_FILE = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));

export async function generateOpenApi(): Promise<string> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  // The document is built from schemas only: the database is never queried.
  const db = createDatabase({ kind: 'pglite', dataDir: null });
  const app = await createApp({ config, db, clock: systemClock, mailTransport: null });
  await app.ready();
  const doc = `${JSON.stringify(app.swagger(), null, 2)}\n`;
  await app.close();
  return doc;
}

if (import.meta.main) {
  const doc = await generateOpenApi();
  if (process.argv.includes('--check')) {
    const committed = readFileSync(OPENAPI_FILE, 'utf8');
    if (committed !== doc) {
      console.error('docs/openapi.json is out of date: run "npm run openapi" and commit the result.');
      process.exit(1);
    }
    console.log('docs/openapi.json is up to date.');
  } else {
    writeFileSync(OPENAPI_FILE, doc);
    console.log(`Wrote ${OPENAPI_FILE}`);
  }
}
