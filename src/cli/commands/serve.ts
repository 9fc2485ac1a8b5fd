import { createApp } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import { systemClock } from '../../platform/clock.ts';
import { createDatabase } from '../../platform/db/database.ts';
import { migrateOrThrow } from '../../platform/db/migrate.ts';
import { createMailTransport } from '../../platform/mail/smtp-transport.ts';
import { formatDemoLogins, seedDemoIfEmpty } from '../../modules/demo/seed-demo.ts';
import { seedQuestionnaireDemo } from '../../modules/questionnaires/seed-questionnaire-demo.ts';
import { notifyJobHandlers, startNotifySchedules } from '../../modules/reminders/notify-jobs.ts';
import { JobRunner } from '../../platform/jobs/job-queue.ts';
import { analyticsJobHandlers, scheduleAnalytics } from '../../modules/analytics/analytics-jobs.ts';
import { cancelAllTrainings } from '../../modules/analytics/train-in-worker.ts';
import { documentsJobHandlers } from '../../modules/documents/run-export-job.ts';
import { attendanceJobHandlers, scheduleEvidenceSealing } from '../../modules/attendance/seal-evidence.ts';
import { startAttendanceEventRelay } from '../../modules/attendance/pg-event-relay.ts';
import { questionnairesJobHandlers, scheduleDistribution } from '../../modules/questionnaires/distribute-due.ts';

export async function run(): Promise<number> {
  const config = loadConfig(process.env);
  const db = createDatabase(config.database);
  const applied = await migrateOrThrow(db);
  if (applied.length) console.log(`Applied ${applied.length} migration(s).`);
  // First start on an empty database: the demo organisation, its logins printed below.
  const demo = config.seedDemo ? await seedDemoIfEmpty(db, { now: systemClock.now() }) : null;
  // …and its questionnaires: a positioning test, a quiz and a satisfaction survey, distributed, with answers.
  if (demo) await seedQuestionnaireDemo({ db, clock: systemClock, publicUrl: config.publicUrl }, demo.organisation.id);
  const mailTransport = createMailTransport(config);
  const app = await createApp({ config, db, clock: systemClock, mailTransport });
  // The single durable job runner: every module adds its handlers here.
  const jobs = new JobRunner({
    db,
    clock: systemClock,
    handlers: { ...notifyJobHandlers({ db, clock: systemClock, config }), ...documentsJobHandlers({ db, clock: systemClock, config }), ...attendanceJobHandlers({ db, clock: systemClock, anchoring: config.evidenceAnchoring }), ...analyticsJobHandlers({ db, clock: systemClock }), ...questionnairesJobHandlers({ db, clock: systemClock, config }) },
    onError: (err, job) => app.log.error({ err, job }, 'job failed'),
  });
  const shutdown = async (signal: string) => {
    app.log.info(`${signal} received, shutting down`);
    // Whatever still holds on (a job that does not stop, a connection that never ends) gets 30 s, then the process exits.
    setTimeout(() => {
      app.log.error('shutdown did not finish within 30 s; exiting');
      process.exit(1);
    }, 30_000).unref();
    // A training in its worker thread would hold the shutdown: it fails now, with the reason (start it again later).
    cancelAllTrainings('the server is shutting down');
    await jobs.stop();
    await app.close();
    await mailTransport?.close();
    await db.destroy();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  // Several servers on one PostgreSQL database: live-roster events cross them by LISTEN/NOTIFY (PGlite is one process).
  if (config.database.kind === 'postgres') {
    const relay = await startAttendanceEventRelay({ url: config.database.url, log: app.log });
    app.addHook('onClose', async () => relay.stop());
  }
  await app.listen({ port: config.port, host: config.host });
  app.mail.start();
  await startNotifySchedules(db, systemClock);
  await scheduleAnalytics(db, systemClock.now());
  await scheduleEvidenceSealing(db, systemClock.now());
  await scheduleDistribution(db, systemClock.now());
  jobs.start();
  console.log(`Emarge is running at ${config.publicUrl} (database: ${config.database.kind === 'pglite' ? `PGlite in ${config.database.dataDir}` : 'PostgreSQL'})`);
  if (demo) console.log(`\n${formatDemoLogins(demo)}\n  (set SEED_DEMO=false to start without it)\n`);
  return await new Promise<number>(() => {});
}
