import type { Ctx } from '../../platform/auth/actor.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { presentTime } from './attendance.presenter.ts';
import { getSessionForActor } from './attendance-session.ts';

type RecordState = { status: string | null; lateMinutes: number | null; leftAt: string | null; reason: string | null };

function recordState(value: unknown): RecordState {
  const v = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  return {
    status: typeof v.status === 'string' ? v.status : null,
    lateMinutes: typeof v.lateMinutes === 'number' ? v.lateMinutes : null,
    leftAt: typeof v.leftAt === 'string' ? v.leftAt : null,
    reason: typeof v.reason === 'string' ? v.reason : null,
  };
}

/**
 * GET /sessions/:id/amendments: the versions of a locked sheet after the lock
 * (version 1), oldest first: who amended (a person, an API key or the system),
 * when, why, and which record changed from what to what. Whoever may see the
 * sheet may see its history (a trainer of the session or staff).
 */
export async function listSheetAmendments(deps: { db: Db }, ctx: Ctx, sessionId: string) {
  return withTenant(deps.db, ctx.actor.organisationId, async (trx) => {
    const { organisation } = await getSessionForActor(trx, ctx.actor, sessionId, 'manage', 'see the history of its attendance sheet');
    const tz = organisation.timezone;
    const sheet = await trx.selectFrom('attendance_sheets').select(['status', 'version', 'locked_at', 'locked_by']).where('session_id', '=', sessionId).executeTakeFirst();
    const rows = await trx
      .selectFrom('attendance_amendments as a')
      .leftJoin('people as p', (j) => j.onRef('p.organisation_id', '=', 'a.organisation_id').onRef('p.id', '=', 'a.amended_by'))
      .leftJoin('api_keys as k', (j) => j.onRef('k.organisation_id', '=', 'a.organisation_id').onRef('k.id', '=', 'a.amended_by_api_key'))
      .select(['a.version', 'a.amended_by', 'a.amended_by_api_key', 'a.reason', 'a.changes', 'a.created_at', 'p.given_name', 'p.family_name', 'k.name as key_name'])
      .where('a.session_id', '=', sessionId)
      .orderBy('a.version')
      .execute();
    const changes = rows.map((r) => (r.changes ?? {}) as Record<string, unknown>);
    const personIds = [...new Set(changes.map((c) => c.personId).filter((id): id is string => typeof id === 'string'))];
    const subjects = personIds.length ? await trx.selectFrom('people').select(['id', 'given_name', 'family_name']).where('id', 'in', personIds).execute() : [];
    const nameOf = new Map(subjects.map((p) => [p.id, `${p.given_name} ${p.family_name}`]));
    return {
      sessionId,
      status: sheet?.status ?? 'open',
      version: sheet?.version ?? 1,
      lockedAt: presentTime(sheet?.locked_at ?? null, tz),
      timezone: tz,
      items: rows.map((r, i) => {
        const c = changes[i]!;
        const personId = typeof c.personId === 'string' ? c.personId : null;
        return {
          version: r.version,
          amendedBy: r.amended_by
            ? { kind: 'person' as const, id: r.amended_by, name: r.given_name ? `${r.given_name} ${r.family_name}` : null }
            : r.amended_by_api_key
              ? { kind: 'api_key' as const, id: r.amended_by_api_key, name: r.key_name ?? null }
              : { kind: 'system' as const, id: null, name: null },
          at: presentTime(r.created_at, tz)!,
          reason: r.reason,
          change: {
            personId,
            name: personId ? (nameOf.get(personId) ?? null) : null,
            before: recordState(c.before),
            after: recordState(c.after),
            justificationId: typeof c.justificationId === 'string' ? c.justificationId : null,
          },
        };
      }),
    };
  });
}
