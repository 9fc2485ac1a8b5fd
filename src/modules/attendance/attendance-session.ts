import { type Actor, isOrgWide } from '../../platform/auth/actor.ts';
import type { Tx } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { canSeeCohort, isTrainerOfCohort, scopeFor } from '../catalogue/access.ts';
import { getSessionById, type SessionRow } from '../catalogue/session.repository.ts';
import { type AttendanceSettings, resolveAttendanceSettings } from './attendance-settings.ts';
import { type SigningWindow, signingWindowOf } from './signing-window.ts';

/** A session as attendance sees it: the row, its organisation, the effective settings and the signing window. */
export interface AttendanceSession {
  session: SessionRow;
  organisation: { id: string; name: string; timezone: string; locale: 'fr' | 'en' };
  settings: AttendanceSettings;
  window: SigningWindow;
}

/** Loads a session with its organisation and settings, without any access check (callers check). */
export async function loadAttendanceSession(trx: Tx, sessionId: string): Promise<AttendanceSession | null> {
  const session = await getSessionById(trx, sessionId);
  if (!session) return null;
  const row = await trx
    .selectFrom('organisations as o')
    .innerJoin('cohorts as c', 'c.organisation_id', 'o.id')
    .innerJoin('programs as p', (j) => j.onRef('p.organisation_id', '=', 'c.organisation_id').onRef('p.id', '=', 'c.program_id'))
    .select(['o.id', 'o.name', 'o.timezone', 'o.locale', 'o.settings', 'p.attendance_settings'])
    .where('c.id', '=', session.cohort_id)
    .executeTakeFirstOrThrow();
  const settings = resolveAttendanceSettings(row.settings, row.attendance_settings);
  return {
    session,
    organisation: { id: row.id, name: row.name, timezone: row.timezone, locale: row.locale },
    settings,
    window: signingWindowOf(session, settings),
  };
}

export async function isTrainerOfSession(trx: Tx, actor: Actor, session: SessionRow): Promise<boolean> {
  if (actor.kind !== 'person') return false;
  return session.trainer_ids.includes(actor.personId) || (await isTrainerOfCohort(trx, actor.personId, session.cohort_id));
}

/**
 * The session for an actor who must be a trainer of it ('trainer') or a trainer
 * or staff ('manage'). A session the actor cannot see is not found (404), one
 * they can see but not act on is forbidden (403).
 */
export async function getSessionForActor(trx: Tx, actor: Actor, sessionId: string, need: 'trainer' | 'manage', doing: string): Promise<AttendanceSession & { isTrainer: boolean }> {
  const loaded = await loadAttendanceSession(trx, sessionId);
  const scope = await scopeFor(trx, actor);
  if (!loaded || !canSeeCohort(scope, loaded.session.cohort_id)) throw notFound('Session');
  const isTrainer = await isTrainerOfSession(trx, actor, loaded.session);
  if (need === 'trainer' && !isTrainer) throw AppError.because('forbidden', 'trainer_of_session_only', { doing });
  if (need === 'manage' && !isTrainer && !isOrgWide(actor)) throw AppError.because('forbidden', 'trainer_of_session_or_staff_only', { doing });
  return { ...loaded, isTrainer };
}

export async function assertSheetOpen(trx: Tx, sessionId: string): Promise<{ version: number; verification_code: string }> {
  const sheet = await trx.selectFrom('attendance_sheets').select(['status', 'version', 'verification_code']).where('session_id', '=', sessionId).executeTakeFirstOrThrow();
  if (sheet.status === 'locked') throw new AppError('sheet_locked', 'The attendance sheet of this session is locked; only a manager can amend it (POST /sessions/:id/amendments).');
  return sheet;
}

/** A learner's attendance record on the session's sheet, locked for this transaction; anyone else is not found (404). */
export async function lockLearnerRecord(trx: Tx, sessionId: string, personId: string) {
  const record = await trx.selectFrom('attendance_records').selectAll().where('session_id', '=', sessionId).where('person_id', '=', personId).forUpdate().executeTakeFirst();
  if (!record || record.role !== 'learner') throw new AppError('not_found', 'This person is not a learner on the attendance sheet of this session.');
  return record;
}

export function assertNotCancelled(session: Pick<SessionRow, 'status'>): void {
  if (session.status === 'cancelled') throw AppError.because('conflict', 'session_cancelled');
}
