import type { Ctx } from '../../platform/auth/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { type Tx, withTenant } from '../../platform/db/tenant.ts';
import { presentCounts, presentRecord, presentTime } from './attendance.presenter.ts';
import { type AttendanceSession, getSessionForActor } from './attendance-session.ts';
import { ensureSheet } from './ensure-sheet.ts';
import { windowStateAt } from './signing-window.ts';

async function peopleOf(trx: Tx, sessionId: string) {
  const rows = await trx
    .selectFrom('attendance_records as r')
    .innerJoin('people as p', (j) => j.onRef('p.organisation_id', '=', 'r.organisation_id').onRef('p.id', '=', 'r.person_id'))
    .select(['p.id', 'p.given_name', 'p.family_name', 'p.email'])
    .where('r.session_id', '=', sessionId)
    .execute();
  return new Map(rows.map((p) => [p.id, { name: `${p.given_name} ${p.family_name}`, email: p.email, familyName: p.family_name, givenName: p.given_name }]));
}

/** The sheet as stored now (records sorted trainers first, then by family name). Call after ensureSheet. */
export async function readSheet(trx: Tx, loaded: AttendanceSession, now: Date) {
  const { session, organisation, window } = loaded;
  const tz = organisation.timezone;
  const sheet = await trx.selectFrom('attendance_sheets').selectAll().where('session_id', '=', session.id).executeTakeFirstOrThrow();
  const records = await trx.selectFrom('attendance_records').selectAll().where('session_id', '=', session.id).execute();
  const people = await peopleOf(trx, session.id);
  records.sort((a, b) => (a.role === b.role ? 0 : a.role === 'trainer' ? -1 : 1) || (people.get(a.person_id)?.familyName ?? '').localeCompare(people.get(b.person_id)?.familyName ?? '', 'fr') || (people.get(a.person_id)?.givenName ?? '').localeCompare(people.get(b.person_id)?.givenName ?? '', 'fr'));
  const learners = records.filter((r) => r.role === 'learner');
  return {
    sessionId: session.id,
    status: sheet.status,
    version: sheet.version,
    verificationCode: sheet.verification_code,
    lockedAt: sheet.locked_at?.toISOString() ?? null,
    lockedBy: sheet.locked_by,
    timezone: tz,
    session: {
      date: session.date,
      halfDay: session.half_day,
      programTitle: session.program_title,
      moduleTitle: session.module_title,
      cohortName: session.cohort_name,
      startsAt: presentTime(session.starts_at, tz)!,
      endsAt: presentTime(session.ends_at, tz)!,
      cancelled: session.status === 'cancelled',
    },
    window: { state: windowStateAt(window, now), opensAt: presentTime(window.opensAt, tz)!, closesAt: presentTime(window.closesAt, tz)! },
    trainerSigned: records.some((r) => r.role === 'trainer' && r.signature_id !== null),
    counts: presentCounts(learners),
    records: records.map((r) => presentRecord(r, people, tz)),
  };
}

/** GET /sessions/:id/attendance: the sheet, for a trainer of the session or staff (adds learners enrolled since, while open). */
export async function getAttendanceSheet(deps: { db: Db; clock: Clock }, ctx: Ctx, sessionId: string) {
  return withTenant(deps.db, ctx.actor.organisationId, async (trx) => {
    const loaded = await getSessionForActor(trx, ctx.actor, sessionId, 'manage', 'see its attendance sheet');
    await ensureSheet(trx, sessionId);
    return readSheet(trx, loaded, deps.clock.now());
  });
}

/** GET /sessions/:id/roster: the names to pick at the kiosk, with whether each has signed. */
export async function getRoster(deps: { db: Db; clock: Clock }, ctx: Ctx, sessionId: string) {
  return withTenant(deps.db, ctx.actor.organisationId, async (trx) => {
    await getSessionForActor(trx, ctx.actor, sessionId, 'manage', 'see its roster');
    await ensureSheet(trx, sessionId);
    const rows = await trx
      .selectFrom('attendance_records as r')
      .innerJoin('people as p', (j) => j.onRef('p.organisation_id', '=', 'r.organisation_id').onRef('p.id', '=', 'r.person_id'))
      .select(['r.person_id', 'p.given_name', 'p.family_name', 'r.status', 'r.signature_id', 'r.signed_at', 'r.method'])
      .where('r.session_id', '=', sessionId)
      .where('r.role', '=', 'learner')
      .orderBy('p.family_name')
      .orderBy('p.given_name')
      .execute();
    return {
      sessionId,
      items: rows.map((r) => ({ personId: r.person_id, givenName: r.given_name, familyName: r.family_name, status: r.status, signed: r.signature_id !== null, signedAt: r.signed_at?.toISOString() ?? null, method: r.method })),
    };
  });
}
