import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

test('defaults give an embedded PGlite database in ./data on port 3000', () => {
  const c = loadConfig({});
  assert.equal(c.port, 3000);
  assert.equal(c.database.kind, 'pglite');
  assert.match(c.dataDir, /\/data$/);
  assert.equal(c.publicUrl, 'http://localhost:3000');
  assert.equal(c.defaultTimezone, 'Europe/Paris');
  assert.equal(c.cookieSecure, false);
  assert.ok(Object.isFrozen(c));
});

test('DATABASE_URL switches to a PostgreSQL server', () => {
  const c = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/emarge' });
  assert.deepEqual(c.database, { kind: 'postgres', url: 'postgres://u@db:5432/emarge', poolSize: 10 });
});

test('each wrong value is reported with the name of its variable', () => {
  assert.throws(
    () => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', DEFAULT_TIMEZONE: 'Mars/Olympus', SMTP_URL: 'http://mail' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const text = error.issues.join('\n');
      for (const name of ['PORT', 'DATABASE_URL', 'DEFAULT_TIMEZONE', 'SMTP_URL']) assert.match(text, new RegExp(`^${name}:`, 'm'));
      assert.match(text, /PORT: .*\(got "eighty"\)/);
      return true;
    },
  );
});

test('cross-field rules: LLM_BASE_URL needs LLM_MODEL', () => {
  assert.throws(() => loadConfig({ LLM_BASE_URL: 'http://llm:11434/v1' }), /LLM_MODEL: is required when LLM_BASE_URL is set/);
  assert.equal(loadConfig({ LLM_BASE_URL: 'http://llm:11434/v1', LLM_MODEL: 'mistral' }).llm?.model, 'mistral');
});

test('emarge serve stops at start-up with a message naming the bad variable', () => {
  const bin = fileURLToPath(new URL('../bin/emarge.js', import.meta.url));
  const r = spawnSync(process.execPath, [bin, 'serve'], { env: { ...process.env, PORT: '99999', DATA_DIR: '/tmp/emarge-config-test' }, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 78, r.stderr);
  assert.match(r.stderr, /PORT: .*99999/);
});
