import { requireCtx } from '../../platform/auth/authenticate.ts';
import { problemResponses } from '../../platform/http/responses.ts';
import type { AppDeps, ZodApp } from '../../platform/http/types.ts';
import { idParamsSchema } from '../catalogue/catalogue.schemas.ts';
import { createPerson } from './create-person.ts';
import { getPerson, listPeople } from './list-people.ts';
import { personCreateSchema, personListQuerySchema, personPageSchema, personSchema, personUpdateSchema } from './people.schemas.ts';
import { updatePerson } from './update-person.ts';

export async function peopleRoutes(app: ZodApp, deps: AppDeps): Promise<void> {
  const { db } = deps;
  const tags = ['people'];
  app.get('/people', { schema: { tags, summary: 'List people (filter by role, name/email, cohort)', querystring: personListQuerySchema, response: { 200: personPageSchema, ...problemResponses } } }, (req) =>
    listPeople(db, requireCtx(req), req.query),
  );
  app.post('/people', { schema: { tags, summary: 'Create a person with roles', body: personCreateSchema, response: { 201: personSchema, ...problemResponses } } }, async (req, reply) =>
    reply.code(201).send(await createPerson(db, requireCtx(req), req.body)),
  );
  app.get('/people/:id', { schema: { tags, summary: 'Get a person', params: idParamsSchema, response: { 200: personSchema, ...problemResponses } } }, (req) =>
    getPerson(db, requireCtx(req), req.params.id),
  );
  app.patch('/people/:id', { schema: { tags, summary: 'Update, change roles of, or archive a person', params: idParamsSchema, body: personUpdateSchema, response: { 200: personSchema, ...problemResponses } } }, (req) =>
    updatePerson(deps, requireCtx(req), req.params.id, req.body),
  );
}
