import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { runWithCommitFence } from '../db/commit-fence.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors/app-error.ts';
import { sendProblem } from '../errors/problem.ts';

/** The claim a request holds on its key while it runs. */
interface Claim {
  organisationId: string;
  actorKey: string;
  key: string;
  /** This run's lease owner: a fresh id per claim, so a takeover fences the run it replaced. */
  owner: string;
  /** Cleared once the response is stored: transactions started later (a mail kick…) are not the request's. */
  active: boolean;
  heartbeat: NodeJS.Timeout | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: Claim | null;
  }
}

const KEY_PATTERN = /^[A-Za-z0-9_.:-]{8,255}$/;

/**
 * `Idempotency-Key` on POST. The first request with a key claims it with a lease and runs; its response (any
 * status below 500) is stored; a retry with the same key and body gets it back with `Idempotent-Replayed: true`;
 * the same key with another body is 422. Keys are scoped to the organisation and the caller.
 *
 * Crashes: the claim is a lease (`IDEMPOTENCY_LEASE_SECONDS`, renewed every third of it while the request runs),
 * and every transaction the request opens through withTenant / withSystem ends with a commit fence that, in the
 * same transaction, stamps `committed_at` on the key if the transaction wrote anything, and rolls it back if the
 * request lost its lease. So once a dead request's lease has expired, a retry knows which case it is in:
 * - nothing committed: it takes the key over and runs (the dead run can no longer commit: its fence would fail);
 * - its response stored: replayed;
 * - the change committed but the process died before the response was stored (the few statements between
 *   COMMIT and the store): 410 `idempotency_response_lost`; the change is not applied twice.
 * While the lease is alive the retry gets 409 `idempotency_in_progress` with Retry-After. Writes outside a
 * tenant transaction (the signing burst's shared statement) are not fenced: they refuse a second signature
 * themselves. Raw bodies (CSV files) are hashed as bytes; multipart uploads are not covered (see below).
 */
export function registerIdempotency(app: FastifyInstance, deps: { db: Db; config: { idempotencyLeaseSeconds: number } }): void {
  const { db } = deps;
  const leaseSeconds = deps.config.idempotencyLeaseSeconds;
  const lease = sql<Date>`now() + make_interval(secs => ${leaseSeconds})`;
  const byKey = (c: { organisationId: string; actorKey: string; key: string }) =>
    db.updateTable('idempotency_keys').where('organisation_id', '=', c.organisationId).where('actor_key', '=', c.actorKey).where('key', '=', c.key);

  app.decorateRequest('idempotency', null);
  app.addHook('preHandler', (request, reply, done) => {
    claimKey(request, reply).then(
      (claim) => {
        if (claim === 'answered') return; // replayed or refused: the reply is on its way, the handler must not run
        if (!claim) return done();
        request.idempotency = claim;
        claim.heartbeat = setInterval(() => {
          byKey(claim).set({ lease_expires_at: lease }).where('lease_owner', '=', claim.owner).where('status_code', 'is', null).execute().catch((error: unknown) => request.log.warn({ err: error }, 'idempotency lease not renewed'));
        }, (leaseSeconds * 1000) / 3);
        claim.heartbeat.unref();
        // The rest of the request (hooks, handler, the transactions it opens) runs under the claim's fence.
        runWithCommitFence((trx) => fence(trx, claim), done);
      },
      (error: unknown) => done(error as Error),
    );
  });

  /** Stamps the key committed inside `trx` when it wrote; refuses to commit once the key is someone else's. */
  async function fence(trx: Parameters<Parameters<typeof runWithCommitFence>[0]>[0], claim: Claim): Promise<void> {
    if (!claim.active) return;
    const { rows } = await sql<{ xid: string | null }>`SELECT txid_current_if_assigned()::text AS xid`.execute(trx);
    if (rows[0]?.xid == null) return; // read only: nothing to remember, nothing to protect
    const owned = await trx
      .updateTable('idempotency_keys')
      .set({ committed_at: sql<Date>`coalesce(committed_at, now())` })
      .where('organisation_id', '=', claim.organisationId)
      .where('actor_key', '=', claim.actorKey)
      .where('key', '=', claim.key)
      .where('lease_owner', '=', claim.owner)
      .returning('key')
      .executeTakeFirst();
    if (!owned) {
      claim.active = false; // the key is the retry's now: this run's answer is not stored under it
      throw new AppError('idempotency_in_progress', 'This request lost its Idempotency-Key lease to a retry; its change was not applied.');
    }
  }

  /** The claim on the request's key; null when it holds none; 'answered' when the reply was sent here. */
  async function claimKey(request: FastifyRequest, reply: FastifyReply): Promise<Claim | null | 'answered'> {
    if (request.method !== 'POST') return null;
    const header = request.headers['idempotency-key'];
    if (header === undefined || !request.actor) return null;
    // A multipart body is streamed to the handler after this hook, so it cannot be
    // hashed here: file uploads rely on their use-case's own duplicate checks.
    if (request.isMultipart?.()) return null;
    if (typeof header !== 'string' || !KEY_PATTERN.test(header)) {
      throw new AppError('invalid_idempotency_key', 'Idempotency-Key must be 8 to 255 characters among letters, digits and _ . : -');
    }
    const actor = request.actor;
    const actorKey = actor.kind === 'person' ? `p:${actor.personId}` : actor.kind === 'api_key' ? `k:${actor.apiKeyId}` : 'system';
    const claim: Claim = { organisationId: actor.organisationId, actorKey, key: header, owner: randomUUID(), active: true, heartbeat: null };
    const requestHash = hashRequest(request);
    const path = request.url.split('?')[0]!;
    const inserted = await db
      .insertInto('idempotency_keys')
      .values({ organisation_id: actor.organisationId, actor_key: actorKey, key: header, method: request.method, path, request_hash: requestHash, status_code: null, response_body: null, response_type: null, lease_owner: claim.owner, lease_expires_at: lease })
      .onConflict((oc) => oc.doNothing())
      .returning('key')
      .executeTakeFirst();
    if (inserted) return claim;
    const existing = await db
      .selectFrom('idempotency_keys')
      .selectAll()
      .select(sql<number>`extract(epoch from coalesce(lease_expires_at, now()) - now())`.as('lease_left'))
      .where('organisation_id', '=', actor.organisationId)
      .where('actor_key', '=', actorKey)
      .where('key', '=', header)
      .executeTakeFirstOrThrow();
    if (existing.request_hash !== requestHash || existing.path !== path) {
      sendProblem(reply, new AppError('idempotency_key_reused', 'This Idempotency-Key was already used for a different request; use a new key.'), request);
      return 'answered';
    }
    if (existing.status_code !== null) {
      replay(reply, existing.status_code, existing.response_type, existing.response_body);
      return 'answered';
    }
    const leaseLeft = Number(existing.lease_left);
    if (leaseLeft <= 0 && existing.committed_at === null) {
      // The run that held the key died before committing anything: take the key over (its fence now fails).
      const taken = await byKey(claim)
        .set({ lease_owner: claim.owner, lease_expires_at: lease })
        .where('status_code', 'is', null)
        .where('committed_at', 'is', null)
        .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', sql<Date>`now()`)]))
        .returning('key')
        .executeTakeFirst();
      if (taken) return claim;
      return claimKey(request, reply); // it changed meanwhile (another retry took it, or the first run committed)
    }
    if (leaseLeft <= 0) {
      sendProblem(
        reply,
        new AppError('idempotency_response_lost', 'The first request with this Idempotency-Key was applied, but the server stopped before storing its response; it is not applied again. Look the result up instead.'),
        request,
      );
      return 'answered';
    }
    reply.header('retry-after', String(Math.max(1, Math.ceil(leaseLeft))));
    sendProblem(reply, new AppError('idempotency_in_progress', 'The first request with this Idempotency-Key is still running; retry shortly.'), request);
    return 'answered';
  }

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotency;
    if (!claim?.active) return payload;
    claim.active = false;
    if (claim.heartbeat) clearInterval(claim.heartbeat);
    if (reply.statusCode >= 500 || (typeof payload !== 'string' && payload !== null && payload !== undefined)) {
      // Failed on our side, or streamed: nothing to replay. If nothing committed, the key is free again; if the
      // change committed, the lease is ended so that a retry learns so at once.
      const released = await db
        .deleteFrom('idempotency_keys')
        .where('organisation_id', '=', claim.organisationId)
        .where('actor_key', '=', claim.actorKey)
        .where('key', '=', claim.key)
        .where('lease_owner', '=', claim.owner)
        .where('committed_at', 'is', null)
        .executeTakeFirst();
      if (!released.numDeletedRows) await byKey(claim).set({ lease_expires_at: sql<Date>`now()` }).where('lease_owner', '=', claim.owner).execute();
      return payload;
    }
    await byKey(claim)
      .set({ status_code: reply.statusCode, response_body: (payload as string | null) ?? '', response_type: String(reply.getHeader('content-type') ?? ''), lease_expires_at: null })
      .where('lease_owner', '=', claim.owner)
      .execute();
    return payload;
  });
  app.addHook('onResponse', async (request) => {
    if (request.idempotency?.heartbeat) clearInterval(request.idempotency.heartbeat);
  });
}

function replay(reply: FastifyReply, status: number, type: string | null, body: string | null): FastifyReply {
  reply.code(status).header('idempotent-replayed', 'true');
  if (type) reply.header('content-type', type);
  return reply.send(body ?? '');
}

function hashRequest(request: FastifyRequest): string {
  const body = request.body;
  const bytes = Buffer.isBuffer(body) ? body : typeof body === 'string' ? Buffer.from(body) : Buffer.from(JSON.stringify(body ?? null));
  return createHash('sha256')
    .update(request.method)
    .update('\0')
    .update(request.url)
    .update('\0')
    .update(String(request.headers['content-type'] ?? ''))
    .update('\0')
    .update(bytes)
    .digest('hex');
}
