import { requireCtx } from '../../platform/auth/authenticate.ts';
import { problemResponses } from '../../platform/http/responses.ts';
import type { AppDeps, ZodApp } from '../../platform/http/types.ts';
import { getOrganisation } from './get-organisation.ts';
import { organisationSchema, organisationUpdateSchema } from './organisation.schemas.ts';
import { updateOrganisation } from './update-organisation.ts';

export async function organisationRoutes(app: ZodApp, { db }: AppDeps): Promise<void> {
  const tags = ['organisation'];
  app.get('/organisation', { schema: { tags, summary: "The caller's organisation", response: { 200: organisationSchema, ...problemResponses } } }, (req) =>
    getOrganisation(db, requireCtx(req)),
  );
  app.patch('/organisation', { schema: { tags, summary: 'Update the organisation (admin)', body: organisationUpdateSchema, response: { 200: organisationSchema, ...problemResponses } } }, (req) =>
    updateOrganisation(db, requireCtx(req), req.body),
  );
}
