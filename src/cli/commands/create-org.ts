import { randomBytes } from 'node:crypto';
import { createOrganisation } from '../../modules/organisations/create-organisation.ts';
import { passwordProblem } from '../../platform/auth/password.ts';
import { itemMessage } from '../../platform/errors/problem-items.ts';
import { EXIT_OK, UsageError, parseCommandArgs, runCommand, withMigratedDatabase } from './command-support.ts';

export const USAGE = `Usage: emarge create-org --slug SLUG --name NAME --admin-email EMAIL [options]

Creates an organisation and its first admin (migrating the database first).

Options:
  --slug SLUG                 lowercase letters, digits and dashes (2 to 63), used at sign-in
  --name NAME                 the organisation's name
  --admin-email EMAIL         the first admin's email
  --admin-given-name NAME     the admin's given name (default "Admin")
  --admin-family-name NAME    the admin's family name (default: the organisation's name)
  --admin-password PASSWORD   at least 10 characters; when left out, one is generated and printed once
  --timezone TZ               IANA time zone (default DEFAULT_TIMEZONE, Europe/Paris)
  --locale fr|en              language of mails and documents (default fr)
  -h, --help                  show this help`;

const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function run(args: string[]): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values } = parseCommandArgs(args, {
      slug: { type: 'string' },
      name: { type: 'string' },
      'admin-email': { type: 'string' },
      'admin-given-name': { type: 'string' },
      'admin-family-name': { type: 'string' },
      'admin-password': { type: 'string' },
      timezone: { type: 'string' },
      locale: { type: 'string' },
    });
    if (values.help) {
      console.log(USAGE);
      return EXIT_OK;
    }
    const missing = (['slug', 'name', 'admin-email'] as const).filter((k) => !values[k]?.trim());
    if (missing.length) throw new UsageError(`Missing ${missing.map((m) => `--${m}`).join(', ')}.`);
    const slug = values.slug!.trim();
    const name = values.name!.trim();
    const email = values['admin-email']!.trim().toLowerCase();
    if (!SLUG.test(slug)) throw new UsageError(`--slug "${slug}" must be 2 to 63 lowercase letters, digits or dashes, starting with a letter or digit.`);
    if (name.length > 200) throw new UsageError('--name must be at most 200 characters.');
    if (!EMAIL.test(email)) throw new UsageError(`--admin-email "${email}" is not an email address.`);
    const locale = values.locale ?? 'fr';
    if (locale !== 'fr' && locale !== 'en') throw new UsageError(`--locale must be fr or en (got "${locale}").`);
    if (values.timezone && !isTimeZone(values.timezone)) throw new UsageError(`--timezone "${values.timezone}" is not an IANA time zone such as Europe/Paris.`);
    const given = values['admin-given-name']?.trim() || 'Admin';
    const family = values['admin-family-name']?.trim() || name.slice(0, 100);
    const problem = values['admin-password'] !== undefined ? passwordProblem(values['admin-password']) : null;
    if (problem) throw new UsageError(`--admin-password ${itemMessage(problem.code, problem.params)}.`);
    const password = values['admin-password'] ?? randomBytes(12).toString('base64url');

    return withMigratedDatabase(async (db, config) => {
      const { organisation, admin } = await createOrganisation(db, {
        slug,
        name,
        timezone: values.timezone ?? config.defaultTimezone,
        locale,
        admin: { email, givenName: given, familyName: family, password },
      });
      console.log(`Organisation "${organisation.name}" created: slug ${organisation.slug}, id ${organisation.id}, time zone ${organisation.timezone}, locale ${organisation.locale}.`);
      console.log(`Admin: ${admin.given_name} ${admin.family_name} <${admin.email}>`);
      if (values['admin-password'] === undefined) {
        console.log(`Password: ${password}`);
        console.log('This password is shown only once: store it now, and change it after signing in.');
      } else console.log('Password: the one given with --admin-password.');
      return EXIT_OK;
    });
  });
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
