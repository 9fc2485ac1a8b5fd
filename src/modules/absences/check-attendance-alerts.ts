import { sql } from 'kysely';
import type { Config } from '../../config.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { enqueueMail } from '../../platform/mail/enqueue-mail.ts';
import type { MailLocale } from '../../platform/mail/magic-link-mail.ts';
import { resolveAttendanceSettings } from '../attendance/attendance-settings.ts';
import { getOrganisationForJob } from '../reminders/reminder.repository.ts';
import { renderAttendanceAlertMail } from '../reminders/reminder-mails.ts';

interface RateRow {
  person_id: string;
  cohort_id: string;
  given_name: string;
  family_name: string;
  cohort_name: string;
  program_title: string;
  program_settings: unknown;
  held: number | string;
  attended: number | string;
  excused: number | string;
}

/**
 * Attendance alerts ('attendance.alerts' job). For each actively enrolled
 * learner and cohort: rate = sessions attended (present, late or left early)
 * / sessions held, over the cohort's past sessions whose sheet lists the
 * learner and whose signing window has closed (or sheet is locked); excused
 * absences are left out of the sessions held. When the rate is below
 * `attendanceAlert.threshold` after at least `afterSessions` sessions held, the
 * managers (else the admins) get one mail; the alert stays open, and silent,
 * until the rate recovers, so the next crossing alerts again.
 */
export async function checkAttendanceAlerts(deps: { db: Db; clock: Clock; config: Pick<Config, 'publicUrl'> }, organisationId: string): Promise<{ alerted: number; cleared: number }> {
  const now = deps.clock.now();
  let alerted = 0;
  let cleared = 0;
  await withTenant(deps.db, organisationId, async (trx) => {
    const org = await getOrganisationForJob(trx, organisationId);
    if (!org) return;
    const orgSettings = resolveAttendanceSettings(org.settings, null);
    const closedBefore = new Date(now.getTime() - orgSettings.windowClosesMinutesAfterEnd * 60_000);
    const { rows } = await sql<RateRow>`
      SELECT e.person_id, e.cohort_id, p.given_name, p.family_name, c.name AS cohort_name, pr.title AS program_title, pr.attendance_settings AS program_settings,
             count(*) FILTER (WHERE r.status <> 'excused') AS held,
             count(*) FILTER (WHERE r.status IN ('present', 'late', 'left_early')) AS attended,
             count(*) FILTER (WHERE r.status = 'excused') AS excused
        FROM enrolments e
        JOIN people p ON p.organisation_id = e.organisation_id AND p.id = e.person_id AND p.archived_at IS NULL
        JOIN cohorts c ON c.organisation_id = e.organisation_id AND c.id = e.cohort_id AND c.archived_at IS NULL
        JOIN programs pr ON pr.organisation_id = c.organisation_id AND pr.id = c.program_id
        JOIN sessions s ON s.organisation_id = e.organisation_id AND s.cohort_id = e.cohort_id AND s.status = 'planned'
        JOIN attendance_records r ON r.organisation_id = s.organisation_id AND r.session_id = s.id AND r.person_id = e.person_id AND r.role = 'learner'
        LEFT JOIN attendance_sheets sh ON sh.organisation_id = s.organisation_id AND sh.session_id = s.id
       WHERE e.status = 'active' AND (sh.status = 'locked' OR s.ends_at <= ${closedBefore})
       GROUP BY e.person_id, e.cohort_id, p.given_name, p.family_name, c.name, pr.title, pr.attendance_settings`.execute(trx);
    if (rows.length === 0) return;
    const open = await trx.selectFrom('attendance_alerts').select(['id', 'person_id', 'cohort_id']).where('cleared_at', 'is', null).execute();
    const openKey = new Map(open.map((a) => [`${a.person_id}:${a.cohort_id}`, a.id]));
    let managers: Array<{ email: string; given_name: string; locale: string | null }> | null = null;
    for (const row of rows) {
      const held = Number(row.held);
      const attended = Number(row.attended);
      const { threshold, afterSessions } = resolveAttendanceSettings(org.settings, row.program_settings).attendanceAlert;
      const below = held >= afterSessions && held > 0 && attended / held < threshold;
      const openId = openKey.get(`${row.person_id}:${row.cohort_id}`);
      if (!below) {
        if (openId) {
          await trx.updateTable('attendance_alerts').set({ cleared_at: now }).where('id', '=', openId).execute();
          cleared++;
        }
        continue;
      }
      if (openId) continue;
      const inserted = await trx
        .insertInto('attendance_alerts')
        .values({ organisation_id: organisationId, person_id: row.person_id, cohort_id: row.cohort_id, threshold, rate: Math.round((attended / held) * 10_000) / 10_000, sessions_held: held, alerted_at: now })
        .onConflict((oc) => oc.columns(['organisation_id', 'person_id', 'cohort_id']).where('cleared_at', 'is', null).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) continue;
      alerted++;
      managers ??= await findAlertRecipients(trx);
      for (const m of managers) {
        const mail = renderAttendanceAlertMail({
          locale: (m.locale ?? org.locale) as MailLocale,
          givenName: m.given_name,
          organisationName: org.name,
          learnerName: `${row.given_name} ${row.family_name}`,
          cohortName: row.cohort_name,
          programTitle: row.program_title,
          attended,
          held,
          excused: Number(row.excused),
          threshold,
          url: `${deps.config.publicUrl.replace(/\/+$/, '')}/cohorts/${row.cohort_id}`,
        });
        await enqueueMail(trx, { organisationId, to: m.email, ...mail });
      }
    }
  });
  return { alerted, cleared };
}

/** Managers of the organisation; its admins when it has none. */
async function findAlertRecipients(trx: Parameters<typeof getOrganisationForJob>[0]) {
  const byRole = (role: 'manager' | 'admin') =>
    trx
      .selectFrom('people as p')
      .innerJoin('person_roles as pr', (j) => j.onRef('pr.organisation_id', '=', 'p.organisation_id').onRef('pr.person_id', '=', 'p.id'))
      .select(['p.email', 'p.given_name', 'p.locale'])
      .where('pr.role', '=', role)
      .where('p.archived_at', 'is', null)
      .orderBy('p.email')
      .execute();
  const managers = await byRole('manager');
  return managers.length ? managers : byRole('admin');
}
