import { requireCtx } from '../auth/authenticate.ts';
import { problemResponses } from '../http/responses.ts';
import type { AppDeps, ZodApp } from '../http/types.ts';
import { getOutboxMail, listOutboxMails } from './list-outbox-mails.ts';
import { outboxIdParamsSchema, outboxListQuerySchema, outboxMailSchema, outboxPageSchema } from './outbox.schemas.ts';

/** The mail outbox: every mail the organisation sent or stored (admins and managers). */
export async function outboxRoutes(app: ZodApp, { db }: AppDeps): Promise<void> {
  const tags = ['mail'];
  app.get('/outbox', { schema: { tags, summary: 'List outgoing mails, newest first', querystring: outboxListQuerySchema, response: { 200: outboxPageSchema, ...problemResponses } } }, (req) =>
    listOutboxMails(db, requireCtx(req), req.query),
  );
  app.get('/outbox/:id', { schema: { tags, summary: 'Get one outgoing mail', params: outboxIdParamsSchema, response: { 200: outboxMailSchema, ...problemResponses } } }, (req) =>
    getOutboxMail(db, requireCtx(req), req.params.id),
  );
}
