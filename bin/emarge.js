#!/usr/bin/env node
// Launcher for the `emarge` command. Emarge's sources are TypeScript run by
// Node's built-in type stripping (Node >= 22.18). When this launcher is started
// by an older system Node, it re-executes itself on the Node 24 binary that
// the package pins in devDependencies (`node` package).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src', 'cli', 'main.ts');
const [major, minor] = process.versions.node.split('.').map(Number);
const supportsTypeStripping = major > 22 || (major === 22 && minor >= 18);

if (supportsTypeStripping) {
  const { main } = await import(entry);
  process.exitCode = await main(process.argv.slice(2));
} else {
  const pinned = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(pinned)) {
    console.error(`emarge needs Node.js >= 22.18 (found ${process.versions.node}); run "npm install" to fetch the pinned Node 24.`);
    process.exit(1);
  }
  const result = spawnSync(pinned, [entry, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
