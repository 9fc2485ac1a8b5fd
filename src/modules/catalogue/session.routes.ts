import { requireCtx } from '../../platform/auth/authenticate.ts';
import { problemResponses } from '../../platform/http/responses.ts';
import type { AppDeps, ZodApp } from '../../platform/http/types.ts';
import { addWalkIn } from './add-walk-in.ts';
import {
  enrolmentSchema,
  idParamsSchema,
  sessionCreateSchema,
  sessionGenerateResultSchema,
  sessionGenerateSchema,
  sessionListQuerySchema,
  sessionPageSchema,
  sessionSchema,
  sessionUpdateSchema,
  walkInSchema,
} from './catalogue.schemas.ts';
import { createSession } from './create-session.ts';
import { generateSessions } from './generate-sessions.ts';
import { getSession, listSessions } from './list-sessions.ts';
import { updateSession } from './update-session.ts';

/** Half-day sessions: calendar, planning, recurring generation, walk-ins. */
export async function sessionRoutes(app: ZodApp, deps: AppDeps): Promise<void> {
  const { db } = deps;
  const tags = ['sessions'];
  app.get('/sessions', { schema: { tags, summary: 'Calendar: sessions between two local dates (at most 62 days)', querystring: sessionListQuerySchema, response: { 200: sessionPageSchema, ...problemResponses } } }, (req) =>
    listSessions(db, requireCtx(req), req.query),
  );
  app.post('/sessions', { schema: { tags, summary: 'Plan a half-day session', body: sessionCreateSchema, response: { 201: sessionSchema, ...problemResponses } } }, async (req, reply) =>
    reply.code(201).send(await createSession(db, requireCtx(req), req.body)),
  );
  app.get('/sessions/:id', { schema: { tags, summary: 'Get a session', params: idParamsSchema, response: { 200: sessionSchema, ...problemResponses } } }, (req) =>
    getSession(db, requireCtx(req), req.params.id),
  );
  app.patch('/sessions/:id', { schema: { tags, summary: "Move, edit or cancel a session ({status:'cancelled'})", params: idParamsSchema, body: sessionUpdateSchema, response: { 200: sessionSchema, ...problemResponses } } }, (req) =>
    updateSession(deps, requireCtx(req), req.params.id, req.body),
  );
  app.post('/cohorts/:id/sessions/generate', { schema: { tags, summary: 'Generate recurring half-day sessions, skipping public holidays and existing half-days', params: idParamsSchema, body: sessionGenerateSchema, response: { 200: sessionGenerateResultSchema, 201: sessionGenerateResultSchema, ...problemResponses } } }, async (req, reply) => {
    const result = await generateSessions(db, requireCtx(req), req.params.id, req.body);
    return reply.code(req.body.dryRun ? 200 : 201).send(result);
  });
  app.post('/sessions/:id/walk-ins', { schema: { tags, summary: 'Add a walk-in learner to the session\'s cohort (trainer of the session or staff)', params: idParamsSchema, body: walkInSchema, response: { 201: enrolmentSchema, ...problemResponses } } }, async (req, reply) =>
    reply.code(201).send(await addWalkIn(db, requireCtx(req), req.params.id, req.body)),
  );
}
