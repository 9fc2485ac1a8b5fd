import type { Actor } from '../../platform/auth/actor.ts';
import type { Tx } from '../../platform/db/tenant.ts';
import type { EvidencePayload } from './append-evidence.ts';

/** Who acted, as the evidence states it: a person with name and email, an API key, or the system. */
export async function describeActor(trx: Tx, actor: Actor): Promise<EvidencePayload> {
  if (actor.kind === 'person') {
    const p = await trx.selectFrom('people').select(['id', 'given_name', 'family_name', 'email']).where('id', '=', actor.personId).executeTakeFirstOrThrow();
    return { kind: 'person', id: p.id, name: `${p.given_name} ${p.family_name}`, email: p.email, roles: [...actor.roles], via: actor.method === 'magic_link' ? 'magic_link_session' : 'password_session' };
  }
  if (actor.kind === 'api_key') return { kind: 'api_key', id: actor.apiKeyId };
  return { kind: 'system' };
}
