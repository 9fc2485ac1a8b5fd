import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { analyticsRoutes } from './modules/analytics/analytics.routes.ts';
import { attendanceRoutes } from './modules/attendance/attendance.routes.ts';
import { catalogueRoutes } from './modules/catalogue/catalogue.routes.ts';
import { sessionRoutes } from './modules/catalogue/session.routes.ts';
import { documentsRoutes } from './modules/documents/documents.routes.ts';
import { importsRoutes } from './modules/imports/imports.routes.ts';
import { webhookRoutes } from './modules/webhooks/webhooks.routes.ts';
import { absenceRoutes } from './modules/absences/absences.routes.ts';
import { attendanceSettingsRoutes } from './modules/reminders/attendance-settings.routes.ts';
import { organisationRoutes } from './modules/organisations/organisation.routes.ts';
import { peopleRoutes } from './modules/people/people.routes.ts';
import { questionnairesRoutes } from './modules/questionnaires/questionnaires.routes.ts';
import { auditRoutes } from './platform/audit/audit.routes.ts';
import { apiKeyRoutes } from './platform/auth/api-keys.routes.ts';
import { authRoutes } from './platform/auth/auth.routes.ts';
import { registerAuthentication } from './platform/auth/authenticate.ts';
import { AppError } from './platform/errors/app-error.ts';
import { registerProblemHandlers, sendProblem } from './platform/errors/problem.ts';
import { closeConnectionsOnClose } from './platform/http/close-connections.ts';
import { registerIdempotency } from './platform/http/idempotency.ts';
import { clientErrorHandler, frameworkErrors, registerRequestGuard } from './platform/http/request-guard.ts';
import { registerSecurityHeaders, requestTimeoutOptions } from './platform/http/security-headers.ts';
import type { AppDeps, ZodApp } from './platform/http/types.ts';
import { registerMailDispatcher } from './platform/mail/mail-dispatcher.ts';
import { outboxRoutes } from './platform/mail/outbox.routes.ts';

export const API_PREFIX = '/api/v1';
const WEB_DIST = fileURLToPath(new URL('../dist/web', import.meta.url));

/** Every module's routes, mounted under /api/v1. */
const ROUTES: Array<(app: ZodApp, deps: AppDeps) => Promise<void> | void> = [authRoutes, apiKeyRoutes, auditRoutes, outboxRoutes, organisationRoutes, peopleRoutes, catalogueRoutes, sessionRoutes, importsRoutes, webhookRoutes, documentsRoutes, attendanceRoutes, absenceRoutes, attendanceSettingsRoutes, analyticsRoutes, questionnairesRoutes];

/** Builds the Fastify app without listening: tests drive it with `inject()`. */
export async function createApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    ...requestTimeoutOptions(config),
    ajv: { customOptions: { removeAdditional: false } },
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider() as unknown as ZodApp;

  closeConnectionsOnClose(app);
  registerSecurityHeaders(app, config);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemHandlers(app);
  registerRequestGuard(app);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Emarge API',
        version: '1',
        description:
          'REST API of Emarge. Authenticate with the session cookie (browser; send X-CSRF-Token on writes) or an organisation API key (`Authorization: Bearer emk_…`). Errors are RFC 9457 problem+json with a stable `code`. Lists are cursor-paginated (`limit`, `cursor` → `nextCursor`). POST accepts `Idempotency-Key`.',
      },
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'Organisation API key, emk_…' },
          session: { type: 'apiKey', in: 'cookie', name: 'emarge_session' },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_req, context) => {
      const error = new AppError('rate_limited', `Too many attempts; retry in ${Math.ceil(context.ttl / 1000)} s.`);
      return Object.assign(error, { statusCode: 429 });
    },
  });
  registerAuthentication(app, deps);
  registerIdempotency(app, deps);
  registerMailDispatcher(app, deps);

  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  await app.register(
    async (api) => {
      const zapi = api as unknown as ZodApp;
      for (const routes of ROUTES) await routes(zapi, deps);
      zapi.get(
        '/openapi.json',
        { schema: { hide: true } },
        async () => app.swagger() as unknown as Record<string, unknown>,
      );
      zapi.all('/*', { schema: { hide: true } }, async (request, reply) =>
        sendProblem(reply, new AppError('route_not_found', `No endpoint ${request.method} ${request.url.split('?')[0]}`), request),
      );
    },
    { prefix: API_PREFIX },
  );

  if (existsSync(join(WEB_DIST, 'index.html'))) {
    await app.register(fastifyStatic, { root: WEB_DIST, wildcard: false, index: 'index.html' });
    // The web app routes on the client: unknown GET paths outside the API serve index.html.
    app.get('/*', { schema: { hide: true } }, async (request, reply) => {
      if (request.url.startsWith(API_PREFIX)) throw new AppError('route_not_found');
      return reply.type('text/html; charset=utf-8').sendFile('index.html');
    });
  }
  return app as unknown as FastifyInstance;
}

