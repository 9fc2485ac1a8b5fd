import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import type { Config } from '../../config.ts';
import { problemResponses } from '../http/responses.ts';
import type { AppDeps, ZodApp } from '../http/types.ts';
import { authRateLimit } from './auth-rate-limit.ts';
import { magicLinkConsumeSchema, magicLinkRequestSchema, magicLinkSentSchema, sessionInfoSchema, signInSchema } from './auth.schemas.ts';
import { SESSION_COOKIE, requireCtx } from './authenticate.ts';
import { consumeMagicLink } from './consume-magic-link.ts';
import { getCurrentSession } from './get-current-session.ts';
import { requestMagicLink } from './request-magic-link.ts';
import { signIn } from './sign-in.ts';
import { signOut } from './sign-out.ts';

function cookieOptions(config: Config) {
  return { httpOnly: true, sameSite: 'lax' as const, secure: config.cookieSecure, path: '/' };
}

function setSessionCookie(reply: FastifyReply, config: Config, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions(config), maxAge: config.sessionTtlHours * 3600 });
}

/** Sign-in (password, magic link), the current session, sign-out. */
export async function authRoutes(app: ZodApp, deps: AppDeps): Promise<void> {
  const { db, config } = deps;
  const tags = ['auth'];
  const signInLimit = authRateLimit(app, 'sign-in', config.rateLimitSignInPerMinute);
  const magicLinkLimit = authRateLimit(app, 'magic-link', config.rateLimitSignInPerMinute);
  const consumeLimit = authRateLimit(app, 'magic-link-consume', config.rateLimitSignInPerMinute);

  app.post(
    '/auth/sign-in',
    {
      config: { sessionless: true },
      onRequest: signInLimit.onRequest,
      preHandler: signInLimit.preHandler,
      schema: { tags, summary: 'Sign in with email and password', security: [], body: signInSchema, response: { 200: sessionInfoSchema, ...problemResponses } },
    },
    async (req, reply) => {
      const { token, info } = await signIn(deps, req.body, req.meta, req.cookies[SESSION_COOKIE]);
      setSessionCookie(reply, config, token);
      return info;
    },
  );

  app.post(
    '/auth/magic-link',
    {
      config: { sessionless: true },
      onRequest: magicLinkLimit.onRequest,
      preHandler: magicLinkLimit.preHandler,
      schema: {
        tags,
        summary: 'Mail a single-use sign-in link (always 202: does not tell whether the email is known)',
        security: [],
        body: magicLinkRequestSchema,
        response: { 202: magicLinkSentSchema, ...problemResponses },
      },
    },
    async (req, reply) => {
      const issued = await requestMagicLink(deps, req.body, req.meta);
      if (issued) app.mail.kick();
      return reply.code(202).send({ sent: true as const });
    },
  );

  app.post(
    '/auth/magic-link/consume',
    {
      config: { sessionless: true },
      onRequest: consumeLimit.onRequest,
      schema: { tags, summary: 'Sign in with a magic-link token', security: [], body: magicLinkConsumeSchema, response: { 200: sessionInfoSchema, ...problemResponses } },
    },
    async (req, reply) => {
      const { token, info } = await consumeMagicLink(deps, req.body.token, req.meta, req.cookies[SESSION_COOKIE]);
      setSessionCookie(reply, config, token);
      return info;
    },
  );

  app.get('/auth/session', { schema: { tags, summary: 'The signed-in session, with the CSRF token for changes', response: { 200: sessionInfoSchema, ...problemResponses } } }, (req) =>
    getCurrentSession(db, requireCtx(req), req.cookies[SESSION_COOKIE]),
  );

  app.post('/auth/sign-out', { schema: { tags, summary: 'Sign out (ends the session)', response: { 204: z.null(), ...problemResponses } } }, async (req, reply) => {
    await signOut(db, req.cookies[SESSION_COOKIE], req.actor, req.meta);
    reply.clearCookie(SESSION_COOKIE, cookieOptions(config));
    return reply.code(204).send(null);
  });
}
