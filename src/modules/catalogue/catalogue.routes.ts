import { z } from 'zod';
import { requireCtx } from '../../platform/auth/authenticate.ts';
import type { AppDeps, ZodApp } from '../../platform/http/types.ts';
import { problemResponses } from '../../platform/http/responses.ts';
import {
  cohortCreateSchema,
  cohortListQuerySchema,
  cohortPageSchema,
  cohortSchema,
  cohortTrainersSchema,
  cohortUpdateSchema,
  enrolmentCreateSchema,
  enrolmentListQuerySchema,
  enrolmentPageSchema,
  enrolmentSchema,
  enrolmentUpdateSchema,
  idParamsSchema,
  moduleCreateSchema,
  moduleListSchema,
  moduleSchema,
  moduleUpdateSchema,
  programCreateSchema,
  programListQuerySchema,
  programPageSchema,
  programSchema,
  programUpdateSchema,
} from './catalogue.schemas.ts';
import { createCohort } from './create-cohort.ts';
import { createModule } from './create-module.ts';
import { createProgram } from './create-program.ts';
import { deleteModule } from './delete-module.ts';
import { enrolPerson } from './enrol-person.ts';
import { getCohort, listCohorts } from './list-cohorts.ts';
import { listEnrolments } from './list-enrolments.ts';
import { listModules } from './list-modules.ts';
import { getProgram, listPrograms } from './list-programs.ts';
import { setCohortTrainers } from './set-cohort-trainers.ts';
import { updateCohort } from './update-cohort.ts';
import { updateEnrolment } from './update-enrolment.ts';
import { updateModule } from './update-module.ts';
import { updateProgram } from './update-program.ts';

/** Thin adapters: parse (by schema), call the use-case, present. */
export async function catalogueRoutes(app: ZodApp, deps: AppDeps): Promise<void> {
  const { db } = deps;
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
    updateProgram(deps, requireCtx(req), req.params.id, req.body),
  );

  app.get('/programs/:id/modules', { schema: { tags, summary: "A program's modules, in order", params: idParamsSchema, response: { 200: moduleListSchema, ...problemResponses } } }, (req) =>
    listModules(db, requireCtx(req), req.params.id),
  );
  app.post('/programs/:id/modules', { schema: { tags, summary: 'Add a module to a program', params: idParamsSchema, body: moduleCreateSchema, response: { 201: moduleSchema, ...problemResponses } } }, async (req, reply) =>
    reply.code(201).send(await createModule(db, requireCtx(req), req.params.id, req.body)),
  );
  app.patch('/modules/:id', { schema: { tags, summary: 'Update a module', params: idParamsSchema, body: moduleUpdateSchema, response: { 200: moduleSchema, ...problemResponses } } }, (req) =>
    updateModule(deps, requireCtx(req), req.params.id, req.body),
  );
  app.delete('/modules/:id', { schema: { tags, summary: 'Delete a module (its sessions keep existing, without module)', params: idParamsSchema, response: { 204: z.null(), ...problemResponses } } }, async (req, reply) => {
    await deleteModule(db, requireCtx(req), req.params.id);
    return reply.code(204).send(null);
  });

  app.get('/cohorts', { schema: { tags, summary: 'List cohorts', querystring: cohortListQuerySchema, response: { 200: cohortPageSchema, ...problemResponses } } }, (req) =>
    listCohorts(db, requireCtx(req), req.query),
  );
  app.post('/cohorts', { schema: { tags, summary: 'Create a cohort of a program', body: cohortCreateSchema, response: { 201: cohortSchema, ...problemResponses } } }, async (req, reply) =>
    reply.code(201).send(await createCohort(db, requireCtx(req), req.body)),
  );
  app.get('/cohorts/:id', { schema: { tags, summary: 'Get a cohort', params: idParamsSchema, response: { 200: cohortSchema, ...problemResponses } } }, (req) =>
    getCohort(db, requireCtx(req), req.params.id),
  );
  app.patch('/cohorts/:id', { schema: { tags, summary: 'Update or archive a cohort', params: idParamsSchema, body: cohortUpdateSchema, response: { 200: cohortSchema, ...problemResponses } } }, (req) =>
    updateCohort(deps, requireCtx(req), req.params.id, req.body),
  );
  app.put('/cohorts/:id/trainers', { schema: { tags, summary: "Replace a cohort's trainers", params: idParamsSchema, body: cohortTrainersSchema, response: { 200: cohortSchema, ...problemResponses } } }, (req) =>
    setCohortTrainers(db, requireCtx(req), req.params.id, req.body),
  );

  app.get('/cohorts/:id/enrolments', { schema: { tags, summary: "A cohort's enrolments", params: idParamsSchema, querystring: enrolmentListQuerySchema, response: { 200: enrolmentPageSchema, ...problemResponses } } }, (req) =>
    listEnrolments(db, requireCtx(req), req.params.id, req.query),
  );
  app.post('/cohorts/:id/enrolments', { schema: { tags, summary: 'Enrol a person in a cohort', params: idParamsSchema, body: enrolmentCreateSchema, response: { 201: enrolmentSchema, ...problemResponses } } }, async (req, reply) =>
    reply.code(201).send(await enrolPerson(db, requireCtx(req), req.params.id, req.body)),
  );
  app.patch('/enrolments/:id', { schema: { tags, summary: "Change an enrolment's status (withdrawn stamps withdrawnAt)", params: idParamsSchema, body: enrolmentUpdateSchema, response: { 200: enrolmentSchema, ...problemResponses } } }, (req) =>
    updateEnrolment(deps, requireCtx(req), req.params.id, req.body),
  );
}
