import { requireCtx } from '../../platform/auth/authenticate.ts';
import type { AppDeps, ZodApp } from '../../platform/http/types.ts';
import { problemResponses } from '../../platform/http/responses.ts';
import {
  idParamsSchema,
  programCreateSchema,
  programListQuerySchema,
  programPageSchema,
  programSchema,
  programUpdateSchema,
} from './catalogue.schemas.ts';
import { createProgram } from './create-program.ts';
import { getProgram, listPrograms } from './list-programs.ts';
import { updateProgram } from './update-program.ts';

/** Thin adapters: parse (by schema), call the use-case, present. */
export async function catalogueRoutes(app: ZodApp, { db }: AppDeps): Promise<void> {
  const tags = ['catalogue'];
  app.get('/programs', { schema: { tags, summary: 'List programs', querystring: programListQuerySchema, response: { 200: programPageSchema, ...problemResponses } } }, (req) =>
    listPrograms(db, requireCtx(req), req.query),
  );
  app.post('/programs', { schema: { tags, summary: 'Create a program (training action)', body: programCreateSchema, response: { 201: programSchema, ...problemResponses } } }, async (req, reply) =>
    reply.code(201).send(await createProgram(db, requireCtx(req), req.body)),
  );
  app.get('/programs/:id', { schema: { tags, summary: 'Get a program', params: idParamsSchema, response: { 200: programSchema, ...problemResponses } } }, (req) =>
    getProgram(db, requireCtx(req), req.params.id),
  );
  app.patch('/programs/:id', { schema: { tags, summary: 'Update or archive a program', params: idParamsSchema, body: programUpdateSchema, response: { 200: programSchema, ...problemResponses } } }, (req) =>
    updateProgram(db, requireCtx(req), req.params.id, req.body),
  );
}
