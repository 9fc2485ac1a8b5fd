import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { generateOpenApi, OPENAPI_FILE } from '../scripts/openapi.ts';

test('the committed OpenAPI document matches the routes (run "npm run openapi" after changing a contract)', async () => {
  const generated = await generateOpenApi();
  const doc = JSON.parse(generated);
  assert.equal(doc.openapi, '3.1.0');
  assert.ok(Object.keys(doc.paths).length > 0);
  assert.equal(readFileSync(OPENAPI_FILE, 'utf8'), generated, 'docs/openapi.json has drifted from the code');
});
