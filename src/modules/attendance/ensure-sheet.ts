import { sql } from 'kysely';
import type { Tx } from '../../platform/db/tenant.ts';
import { newVerificationCode } from './verification-code.ts';

/**
 * Makes sure a session has its attendance sheet and one record per actively
 * enrolled learner of its cohort and per trainer of the session (or, when the
 * session names none, of its cohort). Idempotent: later calls add learners
 * enrolled since (walk-ins included) and never touch existing records.
 * Runs in the caller's tenant transaction; returns the sheet row.
 */
export async function ensureSheet(trx: Tx, sessionId: string) {
  const session = await trx.selectFrom('sessions').select(['organisation_id', 'id', 'cohort_id']).where('id', '=', sessionId).executeTakeFirst();
  if (!session) throw new RangeError(`session ${sessionId} not found`);
  const organisationId = session.organisation_id;
  let sheet = await trx.selectFrom('attendance_sheets').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
  if (!sheet) {
    // A code collision (45 bits) is astronomically rare; retry a few times rather than fail.
    for (let attempt = 0; attempt < 5 && !sheet; attempt++) {
      sheet = await trx
        .insertInto('attendance_sheets')
        .values({ organisation_id: organisationId, session_id: sessionId, verification_code: newVerificationCode() })
        .onConflict((oc) => oc.doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!sheet) sheet = await trx.selectFrom('attendance_sheets').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
    }
    if (!sheet) throw new Error('could not create the attendance sheet');
  }
  // Learners actively enrolled in the cohort, and trainers of the session (else of the cohort).
  await sql`
    INSERT INTO attendance_records (organisation_id, session_id, person_id, role)
    SELECT ${organisationId}::uuid, ${sessionId}::uuid, e.person_id, 'learner'
      FROM enrolments e
     WHERE e.cohort_id = ${session.cohort_id} AND e.status = 'active'
    ON CONFLICT (organisation_id, session_id, person_id) DO NOTHING`.execute(trx);
  await sql`
    INSERT INTO attendance_records (organisation_id, session_id, person_id, role)
    SELECT ${organisationId}::uuid, ${sessionId}::uuid, t.person_id, 'trainer'
      FROM (
        SELECT st.person_id FROM session_trainers st WHERE st.session_id = ${sessionId}
        UNION
        SELECT ct.person_id FROM cohort_trainers ct
         WHERE ct.cohort_id = ${session.cohort_id}
           AND NOT EXISTS (SELECT 1 FROM session_trainers st2 WHERE st2.session_id = ${sessionId})
      ) t
    ON CONFLICT (organisation_id, session_id, person_id) DO NOTHING`.execute(trx);
  return sheet;
}
