import type { EnrolmentRow } from './enrolment.repository.ts';

export function presentEnrolment(row: EnrolmentRow) {
  return {
    id: row.id,
    cohortId: row.cohort_id,
    personId: row.person_id,
    person: { givenName: row.given_name, familyName: row.family_name, email: row.email },
    status: row.status,
    walkIn: row.walk_in,
    enrolledAt: row.enrolled_at.toISOString(),
    withdrawnAt: row.withdrawn_at?.toISOString() ?? null,
  };
}
