import { z } from 'zod';
import { sessionGenerateSchema } from '../../modules/catalogue/catalogue.schemas.ts';
import { generateSessions } from '../../modules/catalogue/generate-sessions.ts';
import { systemCtx } from '../../platform/auth/actor.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { EXIT_FAILED, EXIT_OK, UsageError, formatTable, parseCommandArgs, resolveTarget, runCommand, withMigratedDatabase } from './command-support.ts';

export const USAGE = `Usage: emarge sessions generate --org SLUG --cohort ID_OR_NAME --from YYYY-MM-DD --weeks N [options]

Plans a recurring timetable for a cohort with the same rules as
POST /api/v1/cohorts/:id/sessions/generate: one session per half-day slot on
the chosen weekdays, French public holidays and existing half-days skipped.
Without --commit it only shows the plan and writes nothing.

Options:
  --org SLUG                 the organisation
  --cohort ID_OR_NAME        the cohort, by id or by name
  --from YYYY-MM-DD          first day (usually a Monday)
  --weeks N                  how many weeks (1 to 52)
  --weekdays LIST            ISO weekdays, e.g. 1-5 (default) or 1,2,4
  --slot HH:MM-HH:MM         a half-day slot; repeat for two (default 09:00-12:30 and 13:30-17:00)
  --location TEXT            the room or address
  --module TITLE             the module of the cohort's program these sessions belong to
  --include-holidays         do not skip French public holidays
  --commit                   create the sessions (default: preview only)
  -h, --help                 show this help

Exit codes: 0 planned (and created with --commit); 1 refused by the rules; 2 usage error.`;

export function run(args: string[]): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        org: { type: 'string' },
        cohort: { type: 'string' },
        from: { type: 'string' },
        weeks: { type: 'string' },
        weekdays: { type: 'string' },
        slot: { type: 'string', multiple: true },
        location: { type: 'string' },
        module: { type: 'string' },
        'include-holidays': { type: 'boolean' },
        commit: { type: 'boolean' },
      },
      { positionals: 1 },
    );
    if (values.help) {
      console.log(USAGE);
      return EXIT_OK;
    }
    if (positionals[0] !== 'generate') throw new UsageError(positionals[0] ? `Unknown action "${positionals[0]}": the action is generate.` : 'Say what to do: generate.');
    if (!values.org) throw new UsageError('Missing --org SLUG.');
    if (!values.cohort) throw new UsageError('Missing --cohort ID_OR_NAME.');
    const slots = (values.slot?.length ? values.slot : ['09:00-12:30', '13:30-17:00']).map((slot) => {
      const m = /^(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$/.exec(slot);
      if (!m) throw new UsageError(`--slot must look like 09:00-12:30 (got "${slot}").`);
      return { startTime: m[1]!.padStart(5, '0'), endTime: m[2]!.padStart(5, '0') };
    });
    const parsed = sessionGenerateSchema.safeParse({
      from: values.from,
      weeks: values.weeks === undefined ? undefined : Number(values.weeks),
      weekdays: parseWeekdays(values.weekdays ?? '1-5'),
      slots,
      skipHolidays: !values['include-holidays'],
      dryRun: !values.commit,
      ...(values.location ? { location: values.location } : {}),
    });
    if (!parsed.success) {
      const names: Record<string, string> = { from: '--from', weeks: '--weeks', weekdays: '--weekdays', slots: '--slot', location: '--location' };
      throw new UsageError(parsed.error.issues.map((i) => `${names[String(i.path[0])] ?? i.path.join('.')}: ${i.message}`).join('\n'));
    }

    return withMigratedDatabase(async (db) => {
      const { organisationId, cohort } = await resolveTarget(db, values.org!, values.cohort!);
      const ctx = systemCtx(organisationId);
      let moduleId: string | undefined;
      if (values.module) {
        const mod = await withTenant(db, organisationId, (trx) =>
          trx
            .selectFrom('modules as m')
            .innerJoin('cohorts as c', (j) => j.onRef('c.organisation_id', '=', 'm.organisation_id').onRef('c.program_id', '=', 'm.program_id'))
            .select('m.id')
            .where('c.id', '=', cohort.id)
            .where('m.title', '=', values.module!)
            .executeTakeFirst(),
        );
        if (!mod) throw new UsageError(`The cohort's program has no module titled "${values.module}".`, { showUsage: false });
        moduleId = mod.id;
      }
      try {
        const result = await generateSessions(db, ctx, cohort.id, { ...parsed.data, ...(moduleId ? { moduleId } : {}) });
        console.log(
          formatTable(
            ['DATE', 'HALF-DAY', 'TIME', 'HOLIDAY'],
            result.sessions.map((s) => [s.date, s.halfDay === 'am' ? 'morning' : 'afternoon', `${s.startTime}-${s.endTime} (${s.timezone})`, s.holiday ?? '']),
          ),
        );
        for (const s of result.skipped) console.log(`skipped ${s.date} ${s.halfDay}: ${s.reason === 'holiday' ? `public holiday (${s.holiday})` : 'the cohort already has this half-day'}`);
        console.log(
          parsed.data.dryRun
            ? `\nDry run for cohort "${cohort.name}": ${result.sessions.length} session(s) would be created, ${result.skipped.length} skipped. Add --commit to create them.`
            : `\nCreated ${result.created} session(s) for cohort "${cohort.name}", ${result.skipped.length} skipped.`,
        );
        return EXIT_OK;
      } catch (error) {
        if (error instanceof AppError && error.status < 500) {
          console.error(error.message);
          return EXIT_FAILED;
        }
        throw error;
      }
    });
  });
}

/** "1-5" or "1,2,4" (or a mix) → [1, 2, 3, 4, 5]. */
export function parseWeekdays(text: string): number[] {
  const days = new Set<number>();
  for (const part of text.split(',').map((p) => p.trim())) {
    const range = /^([1-7])(?:-([1-7]))?$/.exec(part);
    if (!range) throw new UsageError(`--weekdays takes ISO weekdays 1 (Monday) to 7 (Sunday), e.g. 1-5 or 1,3,5 (got "${text}").`);
    const from = Number(range[1]);
    const to = Number(range[2] ?? range[1]);
    if (to < from) throw new UsageError(`--weekdays: ${part} is an empty range.`);
    for (let d = from; d <= to; d++) days.add(d);
  }
  return z.array(z.number()).parse([...days].sort());
}
