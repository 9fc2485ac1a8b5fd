import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds the web app (vite build → dist/web) when dist/web/index.html is missing
 * or older than any web source (or server module bundled into it). Used by `npm start` (prestart) and `npm run test:e2e`.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUTPUT = join(ROOT, 'dist', 'web', 'index.html');
/** The web sources, and the server modules the bundle imports at run time (not just their types). */
const SOURCES = [join(ROOT, 'src', 'web'), join(ROOT, 'vite.config.ts'), join(ROOT, 'src', 'modules', 'questionnaires', 'scoring.ts')];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when the built web app is missing or older than its sources. */
export function isWebBuildStale(): boolean {
  if (!existsSync(OUTPUT)) return true;
  const built = statSync(OUTPUT).mtimeMs;
  return SOURCES.some((source) => existsSync(source) && newestMtime(source) > built);
}

/** Runs `vite build` when needed; returns whether a build ran. Throws when the build fails. */
export function buildWebIfNeeded(opts: { force?: boolean; quiet?: boolean } = {}): boolean {
  if (!opts.force && !isWebBuildStale()) return false;
  if (!opts.quiet) console.log('Building the web app (vite build → dist/web)…');
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', opts.quiet ? 'error' : 'warn'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`vite build failed (exit code ${result.status ?? result.signal})`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const built = buildWebIfNeeded({ force: process.argv.includes('--force') });
    if (!built) console.log('The web app is up to date (dist/web).');
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}
