import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { type ChainVerification, verifyChain } from './evidence-chain.ts';
import { toBatch, toEntry } from './seal-evidence.ts';

/**
 * Recomputes an organisation's evidence log (read only: it seals nothing and
 * changes nothing): every sealed entry's content and chain hash, every batch,
 * and the content hash of entries not sealed yet. Names the first entry that
 * no longer matches.
 */
export async function verifyEvidence(db: Db, organisationId: string): Promise<ChainVerification> {
  return withTenant(db, organisationId, async (trx) => {
    const entries = await trx.selectFrom('evidence_entries').selectAll().where('organisation_id', '=', organisationId).execute();
    const batches = await trx.selectFrom('evidence_batches').selectAll().where('organisation_id', '=', organisationId).execute();
    return verifyChain(organisationId, entries.map(toEntry), batches.map(toBatch), { maxProblems: 20 });
  });
}
