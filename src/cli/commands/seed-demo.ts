import { DEMO_SLUG, formatDemoLogins, seedDemo } from '../../modules/demo/seed-demo.ts';
import { seedQuestionnaireDemo } from '../../modules/questionnaires/seed-questionnaire-demo.ts';
import { systemClock } from '../../platform/clock.ts';
import { withSystem } from '../../platform/db/tenant.ts';
import { EXIT_OK, parseCommandArgs, runCommand, withMigratedDatabase } from './command-support.ts';

export const USAGE = `Usage: emarge seed-demo

Creates the demo organisation (slug "${DEMO_SLUG}": staff, 30 learners, two cohorts,
two weeks of sessions from this week's Monday) and prints its logins. Does
nothing when it already exists. \`emarge serve\` does the same on an empty
database unless SEED_DEMO=false.

Options:
  -h, --help   show this help`;

export function run(args: string[]): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values } = parseCommandArgs(args, {});
    if (values.help) {
      console.log(USAGE);
      return EXIT_OK;
    }
    return withMigratedDatabase(async (db, config) => {
      const existing = await withSystem(db, (trx) => trx.selectFrom('organisations').select('id').where('slug', '=', DEMO_SLUG).executeTakeFirst());
      if (existing) {
        console.log(`The demo organisation (slug "${DEMO_SLUG}") already exists; nothing was changed.`);
        return EXIT_OK;
      }
      const demo = await seedDemo(db, { now: systemClock.now() });
      await seedQuestionnaireDemo({ db, clock: systemClock, publicUrl: config.publicUrl }, demo.organisation.id);
      console.log(formatDemoLogins(demo));
      return EXIT_OK;
    });
  });
}
