import { sql } from 'kysely';
import { systemCtx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Tx } from '../../platform/db/tenant.ts';

/**
 * What keeps anonymous responses unlinkable after the fact (see ARCHITECTURE.md,
 * "Anonymous questionnaires"). Both run in the distribution job, per organisation.
 */

/**
 * Rewrites, in one statement, the invitations of every open distribution of an
 * anonymous questionnaire, so that they all carry this transaction's id (xmin).
 * A submission sets its invitation's `responded` flag in the same transaction
 * as the response; until this runs, the invitation row and the response row
 * share a transaction id, which a database reader could pair. Afterwards the
 * responded invitations of a distribution are indistinguishable in time.
 * Distributions closed in the last day are included, so the last submissions
 * before a closing date are covered too.
 */
export async function restampAnonymousInvitations(trx: Tx, now: Date): Promise<number> {
  const result = await sql`
    UPDATE questionnaire_invitations i SET responded = i.responded
    FROM questionnaire_distributions d, questionnaires q
    WHERE d.organisation_id = i.organisation_id AND d.id = i.distribution_id
      AND q.organisation_id = d.organisation_id AND q.id = d.questionnaire_id
      AND q.anonymous AND (d.status <> 'closed' OR d.closes_at > ${new Date(now.getTime() - 86_400_000)})
      AND EXISTS (SELECT 1 FROM questionnaire_invitations x WHERE x.organisation_id = i.organisation_id AND x.distribution_id = i.distribution_id AND x.responded)`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}

/** A personal questionnaire link in a mail body (the token is base64url). */
const LINK = '/respond/[A-Za-z0-9_-]{16,}';

/**
 * Removes the personal tokens from the outbox copies of questionnaire mails
 * once they have been delivered: the token finds the response (its resume key
 * is derived from it), so a stored copy would let whoever reads the outbox
 * open a respondent's answers — for an anonymous questionnaire, pair them with
 * the recipient. Mails not delivered (pending, or `stored` when no SMTP server
 * is configured: the operator reads them there) keep their link.
 */
export async function redactDeliveredLinks(trx: Tx): Promise<number> {
  const result = await sql`
    UPDATE outbox_mails
    SET text_body = regexp_replace(text_body, ${LINK}, '/respond/[removed after delivery]', 'g'),
        html_body = CASE WHEN html_body IS NULL THEN NULL ELSE regexp_replace(html_body, ${LINK}, '/respond/[removed after delivery]', 'g') END
    WHERE status = 'sent' AND text_body ~ ${LINK}`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * The audit trail of anonymous responses, by count: for each distribution of an
 * anonymous questionnaire whose submitted responses (or submissions, counting
 * resubmissions) changed since the last count recorded, one audit event with
 * the new totals. A submission records no audit event of its own (its row
 * would carry the exact time and the response's transaction id).
 */
export async function auditAnonymousResponses(trx: Tx, organisationId: string): Promise<number> {
  const { rows } = await sql<{ distribution_id: string; questionnaire_id: string; responses: string; submissions: string; last: { responses?: number; submissions?: number } | null }>`
    SELECT d.id AS distribution_id, d.questionnaire_id, count(r.id) AS responses, coalesce(sum(r.submissions), 0) AS submissions,
      (SELECT e.payload FROM audit_events e WHERE e.type = 'questionnaire.anonymous_responses_counted' AND e.subject_type = 'questionnaire' AND e.subject_id = d.questionnaire_id
         AND e.payload->>'distributionId' = d.id::text ORDER BY e.id DESC LIMIT 1) AS last
    FROM questionnaire_distributions d
    JOIN questionnaires q ON q.organisation_id = d.organisation_id AND q.id = d.questionnaire_id AND q.anonymous
    JOIN questionnaire_responses r ON r.organisation_id = d.organisation_id AND r.distribution_id = d.id AND r.status = 'submitted'
    GROUP BY d.id, d.questionnaire_id`.execute(trx);
  let recorded = 0;
  for (const row of rows) {
    const responses = Number(row.responses);
    const submissions = Number(row.submissions);
    if (row.last && row.last.responses === responses && row.last.submissions === submissions) continue;
    await recordAuditEvent(trx, systemCtx(organisationId), { type: 'questionnaire.anonymous_responses_counted', subjectType: 'questionnaire', subjectId: row.questionnaire_id, payload: { distributionId: row.distribution_id, responses, submissions } });
    recorded++;
  }
  return recorded;
}
