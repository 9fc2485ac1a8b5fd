import fastifyMultipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { requireCtx } from '../../platform/auth/authenticate.ts';
import { AppError, type ProblemItem } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import { problemSchema } from '../../platform/errors/problem.ts';
import { problemResponses } from '../../platform/http/responses.ts';
import type { AppDeps, ZodApp } from '../../platform/http/types.ts';
import {
  justificationFieldsSchema,
  justificationIdParamsSchema,
  justificationListQuerySchema,
  justificationPageSchema,
  justificationReviewedSchema,
  justificationReviewSchema,
  justificationSchema,
} from './absences.schemas.ts';
import { getAbsenceJustification, getAbsenceJustificationFile, listAbsenceJustifications } from './list-absence-justifications.ts';
import { reviewAbsenceJustification } from './review-absence-justification.ts';
import { type JustificationInput, submitAbsenceJustification } from './submit-absence-justification.ts';

/**
 * Absence justifications. Multipart parsing is registered in this plugin's own
 * scope only (the rest of the API stays JSON), with one file of at most
 * UPLOAD_LIMIT_BYTES (10 MB by default; beyond: 413).
 */
export async function absenceRoutes(app: ZodApp, { db, config, clock }: AppDeps): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(fastifyMultipart, { limits: { fileSize: config.uploadLimitBytes, files: 1, fields: 60, fieldSize: 20_000, parts: 62 } });
    const api = scope as unknown as ZodApp;
    const tags = ['absences'];
    const mb = Math.round(config.uploadLimitBytes / 1024 / 1024);

    api.post(
      '/absences/justifications',
      {
        schema: {
          tags,
          summary: 'Justify an absence (learner): reason, sessions, optional file',
          description:
            `multipart/form-data with fields: reason (text), sessionIds (repeat the field, or one comma-separated value), and optionally file: a PDF, JPEG or PNG of at most ${mb} MB. ` +
            'The type is read from the content (magic bytes), never from the name or declared type: anything else is refused with 415 file_type_not_allowed naming what was found. ' +
            'Sessions must be your own, not cancelled, not signed present and not already justified (422 sessions_not_justifiable, each named).',
          response: { 201: justificationSchema, 413: problemSchema, 415: problemSchema, ...problemResponses },
        },
      },
      async (req, reply) => {
        const ctx = requireCtx(req);
        const input = await readJustificationForm(req);
        return reply.code(201).send(await submitAbsenceJustification(db, ctx, input, clock.now()));
      },
    );
    api.get(
      '/absences/justifications',
      { schema: { tags, summary: 'List justifications: staff see all (e.g. ?status=pending, oldest first), learners their own', querystring: justificationListQuerySchema, response: { 200: justificationPageSchema, ...problemResponses } } },
      (req) => listAbsenceJustifications(db, requireCtx(req), req.query),
    );
    api.get(
      '/absences/justifications/:id',
      { schema: { tags, summary: 'Get a justification', params: justificationIdParamsSchema, response: { 200: justificationSchema, ...problemResponses } } },
      (req) => getAbsenceJustification(db, requireCtx(req), req.params.id),
    );
    api.get(
      '/absences/justifications/:id/file',
      { schema: { tags, summary: "Download a justification's file (as an attachment, with the type detected from its content)", params: justificationIdParamsSchema, response: problemResponses } },
      async (req, reply) => {
        const file = await getAbsenceJustificationFile(db, requireCtx(req), req.params.id);
        return reply
          .header('content-type', file.type)
          .header('content-disposition', `attachment; filename="${file.filename}"`)
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', "default-src 'none'; sandbox")
          .header('cache-control', 'private, no-store')
          .header('digest', `sha-256=${Buffer.from(file.sha256, 'hex').toString('base64')}`)
          .send(file.data as never);
      },
    );
    api.post(
      '/absences/justifications/:id/review',
      {
        schema: {
          tags,
          summary: 'Accept or refuse a pending justification (manager); accepting excuses the learner on its sessions',
          params: justificationIdParamsSchema,
          body: justificationReviewSchema,
          response: { 200: justificationReviewedSchema, ...problemResponses },
        },
      },
      (req) => reviewAbsenceJustification(db, requireCtx(req), req.params.id, req.body, clock.now()),
    );
  });
}

/** Collects the multipart fields and the one file; unknown fields are refused by name. */
async function readJustificationForm(req: FastifyRequest): Promise<JustificationInput> {
  if (!req.isMultipart()) {
    throw new AppError('unsupported_media_type', 'Send multipart/form-data with the fields reason, sessionIds and optionally file.');
  }
  const fields: Record<string, string[]> = {};
  const unknown: ProblemItem[] = [];
  let file: JustificationInput['file'] = null;
  for await (const part of req.parts()) {
    if (part.type === 'file') {
      const data = await part.toBuffer();
      if (part.fieldname !== 'file') unknown.push(problemItem(`body.${part.fieldname}`, 'file_field_unknown'));
      else if (data.length > 0 || part.filename) file = { data, name: part.filename ? part.filename.slice(0, 255) : null };
      continue;
    }
    const name = part.fieldname.replace(/\[\]$/, '');
    if (name !== 'reason' && name !== 'sessionIds') {
      unknown.push(problemItem(`body.${part.fieldname}`, 'field_unknown'));
      continue;
    }
    (fields[name] ??= []).push(String(part.value));
  }
  if (unknown.length) throw new AppError('validation_failed', unknown.map((u) => `${u.path}: ${u.message}`).join('; '), { errors: unknown });
  const sessionIds = (fields.sessionIds ?? []).flatMap((v) => {
    const t = v.trim();
    if (t.startsWith('[')) {
      try {
        const parsed = JSON.parse(t);
        if (Array.isArray(parsed)) return parsed.map(String);
      } catch {
        /* fall through: reported as not a session id */
      }
    }
    return t.split(',').map((s) => s.trim()).filter(Boolean);
  });
  const parsed = justificationFieldsSchema.safeParse({ reason: (fields.reason ?? []).join('\n'), sessionIds });
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ path: ['body', ...i.path.map((p, k) => (k === 0 ? String(p) : `[${String(p)}]`))].join('.').replace(/\.\[/g, '['), message: i.message }));
    throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
  }
  if (file && file.data.length === 0) throw new AppError('validation_failed', 'body.file: is empty', { errors: [problemItem('body.file', 'value_empty')] });
  return { ...parsed.data, file };
}
