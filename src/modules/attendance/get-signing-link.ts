import { hashToken } from '../../platform/auth/tokens.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { loadAttendanceSession } from './attendance-session.ts';
import { invalidLink } from './sign-with-link.ts';
import { formatLocal, windowStateAt } from './signing-window.ts';

/**
 * What the signing page shows for a link, without spending it: the session,
 * the person's name, whether signing is open, and whether they already signed.
 */
export async function getSigningLink(deps: { db: Db; clock: Clock }, token: string) {
  const { db, clock } = deps;
  const tokenHash = hashToken(token);
  const link = await db.selectFrom('signing_links').select(['organisation_id']).where('token_hash', '=', tokenHash).executeTakeFirst();
  if (!link) throw invalidLink();
  return withTenant(db, link.organisation_id, async (trx) => {
    const now = clock.now();
    const row = await trx.selectFrom('signing_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirstOrThrow();
    const loaded = await loadAttendanceSession(trx, row.session_id);
    if (!loaded) throw invalidLink();
    const { session, organisation, window } = loaded;
    const person = await trx.selectFrom('people').select(['given_name', 'family_name']).where('id', '=', row.person_id).executeTakeFirstOrThrow();
    const record = await trx.selectFrom('attendance_records').select(['status', 'signed_at', 'signature_id', 'method', 'late_minutes']).where('session_id', '=', session.id).where('person_id', '=', row.person_id).executeTakeFirst();
    const sheet = await trx.selectFrom('attendance_sheets').select(['status']).where('session_id', '=', session.id).executeTakeFirst();
    const tz = organisation.timezone;
    return {
      organisation: { name: organisation.name, timezone: tz },
      session: {
        id: session.id,
        programTitle: session.program_title,
        moduleTitle: session.module_title,
        cohortName: session.cohort_name,
        date: session.date,
        halfDay: session.half_day,
        startsAt: session.starts_at.toISOString(),
        endsAt: session.ends_at.toISOString(),
        startsAtLocal: formatLocal(session.starts_at, tz),
        endsAtLocal: formatLocal(session.ends_at, tz),
        location: session.location,
        cancelled: session.status === 'cancelled',
      },
      person: { givenName: person.given_name, familyName: person.family_name },
      window: {
        state: windowStateAt(window, now),
        opensAt: window.opensAt.toISOString(),
        closesAt: window.closesAt.toISOString(),
        opensAtLocal: formatLocal(window.opensAt, tz),
        closesAtLocal: formatLocal(window.closesAt, tz),
      },
      link: { state: row.used_at ? ('used' as const) : row.expires_at <= now ? ('expired' as const) : ('valid' as const), expiresAt: row.expires_at.toISOString() },
      sheetLocked: sheet?.status === 'locked',
      signed: record?.signature_id
        ? { signatureId: record.signature_id, signedAt: record.signed_at!.toISOString(), status: record.status, method: record.method!, lateMinutes: record.late_minutes }
        : null,
    };
  });
}
