import { requireCtx } from '../auth/authenticate.ts';
import { problemResponses } from '../http/responses.ts';
import type { AppDeps, ZodApp } from '../http/types.ts';
import { auditListQuerySchema, auditPageSchema } from './audit.schemas.ts';
import { listAuditEvents } from './list-audit-events.ts';

/** The audit log (admins): append-only, newest first. */
export async function auditRoutes(app: ZodApp, { db }: AppDeps): Promise<void> {
  app.get('/audit-events', { schema: { tags: ['audit'], summary: 'List audit events, newest first', querystring: auditListQuerySchema, response: { 200: auditPageSchema, ...problemResponses } } }, (req) =>
    listAuditEvents(db, requireCtx(req), req.query),
  );
}
