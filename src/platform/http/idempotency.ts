import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors/app-error.ts';
import { sendProblem } from '../errors/problem.ts';

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { organisationId: string; actorKey: string; key: string } | null;
  }
}

const KEY_PATTERN = /^[A-Za-z0-9_.:-]{8,255}$/;

/**
 * `Idempotency-Key` on POST: the first request with a key runs and its response
 * (any status below 500) is stored; a retry with the same key and the same body
 * gets the stored response back with `Idempotent-Replayed: true`; the same key
 * with a different body is refused; a retry while the first is still running
 * gets 409. Keys are scoped to the organisation and the caller. Raw bodies (CSV
 * files) are hashed as bytes; multipart uploads are not covered (see below).
 */
export function registerIdempotency(app: FastifyInstance, deps: { db: Db }): void {
  app.decorateRequest('idempotency', null);
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    const header = request.headers['idempotency-key'];
    if (header === undefined || !request.actor) return;
    // A multipart body is streamed to the handler after this hook, so it cannot be
    // hashed here: file uploads rely on their use-case's own duplicate checks.
    if (request.isMultipart?.()) return;
    if (typeof header !== 'string' || !KEY_PATTERN.test(header)) {
      throw new AppError('invalid_idempotency_key', 'Idempotency-Key must be 8 to 255 characters among letters, digits and _ . : -');
    }
    const actor = request.actor;
    const actorKey = actor.kind === 'person' ? `p:${actor.personId}` : actor.kind === 'api_key' ? `k:${actor.apiKeyId}` : 'system';
    const requestHash = hashRequest(request);
    const path = request.url.split('?')[0]!;
    const inserted = await deps.db
      .insertInto('idempotency_keys')
      .values({ organisation_id: actor.organisationId, actor_key: actorKey, key: header, method: request.method, path, request_hash: requestHash, status_code: null, response_body: null, response_type: null })
      .onConflict((oc) => oc.doNothing())
      .returning('key')
      .executeTakeFirst();
    if (inserted) {
      request.idempotency = { organisationId: actor.organisationId, actorKey, key: header };
      return;
    }
    const existing = await deps.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('organisation_id', '=', actor.organisationId)
      .where('actor_key', '=', actorKey)
      .where('key', '=', header)
      .executeTakeFirstOrThrow();
    if (existing.request_hash !== requestHash || existing.path !== path) {
      return sendProblem(reply, new AppError('idempotency_key_reused', 'This Idempotency-Key was already used for a different request; use a new key.'), request);
    }
    if (existing.status_code === null) {
      return sendProblem(reply, new AppError('idempotency_in_progress', 'The first request with this Idempotency-Key is still running; retry shortly.'), request);
    }
    return replay(reply, existing.status_code, existing.response_type, existing.response_body);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const idem = request.idempotency;
    if (!idem) return payload;
    request.idempotency = null;
    const where = deps.db
      .updateTable('idempotency_keys')
      .where('organisation_id', '=', idem.organisationId)
      .where('actor_key', '=', idem.actorKey)
      .where('key', '=', idem.key);
    if (reply.statusCode >= 500 || (typeof payload !== 'string' && payload !== null && payload !== undefined)) {
      // Failed on our side, or streamed: let the client retry the same key.
      await deps.db
        .deleteFrom('idempotency_keys')
        .where('organisation_id', '=', idem.organisationId)
        .where('actor_key', '=', idem.actorKey)
        .where('key', '=', idem.key)
        .execute();
      return payload;
    }
    await where
      .set({ status_code: reply.statusCode, response_body: (payload as string | null) ?? '', response_type: String(reply.getHeader('content-type') ?? '') })
      .execute();
    return payload;
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
