import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.ts';
import type { ZodApp } from '../http/types.ts';

/**
 * A shared address (a classroom or an office behind one NAT) gets this many
 * times the per-email allowance, so a group signing in together is not blocked.
 */
export const PER_IP_FACTOR = 5;
const MINUTE = 60_000;

type Limiter = ReturnType<ZodApp['createRateLimit']>;

/**
 * Rate limits for the routes that check a secret (sign-in, magic links), built
 * on @fastify/rate-limit's stores: `perMinute` attempts per minute per email
 * (whatever the address, so one account cannot be hammered from many), and
 * `perMinute × PER_IP_FACTOR` per client address (counted before the body is
 * read, so malformed floods count too). Exceeding either answers 429
 * `rate_limited` with Retry-After.
 */
export function authRateLimit(app: ZodApp, name: string, perMinute: number) {
  const perIp = app.createRateLimit({ max: perMinute * PER_IP_FACTOR, timeWindow: MINUTE, keyGenerator: (req) => `${name}:ip:${req.ip}` });
  const perEmail = app.createRateLimit({ max: perMinute, timeWindow: MINUTE, keyGenerator: (req) => `${name}:email:${emailOf(req)}` });
  return {
    onRequest: async (req: FastifyRequest, reply: FastifyReply) => enforce(await perIp(req), reply),
    preHandler: async (req: FastifyRequest, reply: FastifyReply) => {
      if (emailOf(req)) enforce(await perEmail(req), reply);
    },
  };
}

function emailOf(req: FastifyRequest): string {
  const email = (req.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? email.trim().toLowerCase() : '';
}

function enforce(result: Awaited<ReturnType<Limiter>>, reply: FastifyReply): void {
  if (result.isAllowed || !result.isExceeded) return;
  const seconds = Math.max(1, result.ttlInSeconds);
  reply.header('retry-after', String(seconds));
  throw new AppError('rate_limited', `Too many attempts; retry in ${seconds} s.`, { extra: { retryAfter: seconds } });
}
