import { ConfigError } from '../config.ts';
import { AppError } from '../platform/errors/app-error.ts';

/**
 * The `emarge` command. Each sub-command lives in `commands/<name>.ts` and
 * exports `run(args: string[]): Promise<number>` (the exit code).
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(args: string[]): Promise<number> }> }> = {
  serve: { summary: 'start the server (migrates, seeds the demo organisation on first start)', load: () => import('./commands/serve.ts') },
  migrate: { summary: 'run pending database migrations', load: () => import('./commands/migrate.ts') },
  'create-org': { summary: 'create an organisation and its first admin (prints a generated password once)', load: () => import('./commands/create-org.ts') },
  'seed-demo': { summary: 'create the demo organisation and print its logins (does nothing when it exists)', load: () => import('./commands/seed-demo.ts') },
  import: { summary: 'import learners or sessions of a cohort from a CSV file (preview, then --commit)', load: () => import('./commands/import.ts') },
  verify: { summary: 'verify the evidence log of every organisation (or --org SLUG); read only, exit 1 names the first altered entry', load: () => import('./commands/verify.ts') },
  sessions: { summary: 'plan a cohort\'s recurring half-day sessions: `sessions generate --org … --cohort … --from … --weeks N`', load: () => import('./commands/sessions.ts') },
  ml: { summary: 'machine learning: `ml bench oulad --train DIR --test DIR --json FILE` trains and evaluates the risk model', load: () => import('./commands/ml.ts') },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'Usage: emarge <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Configuration comes from environment variables (see README.md): PORT, DATA_DIR, DATABASE_URL, SMTP_URL, …',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 1;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`Unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load()).run(args);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof AppError) {
      console.error(`emarge ${name}: ${error.message}`);
      return error instanceof ConfigError ? 78 : 1;
    }
    throw error;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
