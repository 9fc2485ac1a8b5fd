import type { FastifyRequest } from 'fastify';
import { requireCtx } from '../../platform/auth/authenticate.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { problemSchema } from '../../platform/errors/problem.ts';
import { problemResponses } from '../../platform/http/responses.ts';
import type { AppDeps, ZodApp } from '../../platform/http/types.ts';
import type { CsvEncoding } from './csv-file.ts';
import { importLearners } from './import-learners.ts';
import { importSessions } from './import-sessions.ts';
import { importCommitSchema, importPreviewSchema, learnersImportQuerySchema, sessionsImportQuerySchema } from './imports.schemas.ts';

const CSV_TYPES = ['text/csv', 'application/csv', 'application/octet-stream'];

/**
 * CSV imports. The body is the raw file (`Content-Type: text/csv` or
 * `application/octet-stream`), up to UPLOAD_LIMIT_BYTES; the parsers are
 * registered in this plugin's own scope so the rest of the API keeps JSON only.
 */
export async function importsRoutes(app: ZodApp, { db, config, clock }: AppDeps): Promise<void> {
  await app.register(async (scope) => {
    const api = scope as unknown as ZodApp;
    api.addContentTypeParser(CSV_TYPES, { parseAs: 'buffer', bodyLimit: config.uploadLimitBytes }, (_req, body, done) => done(null, body));
    const tags = ['imports'];
    const responses = { 201: importCommitSchema, 200: importPreviewSchema, 413: problemSchema, 415: problemSchema, ...problemResponses };
    const description = (columns: string) =>
      `Send the CSV file itself as the body with Content-Type text/csv (max ${Math.round(config.uploadLimitBytes / 1024 / 1024)} MB, ${5000} data lines). ` +
      `UTF-8 with or without BOM (or encoding=windows-1252); delimiter , ; or tab, detected from the header line; headers case- and accent-insensitive. Columns: ${columns}. ` +
      'dryRun=true (default) returns the preview (200) and writes nothing; dryRun=false imports in one transaction (201), or answers 422 import_invalid with every error (line, column) and imports nothing, unless allowPartial=true.';

    api.post(
      '/imports/learners',
      {
        bodyLimit: config.uploadLimitBytes,
        schema: {
          tags,
          summary: 'Import learners into a cohort from a CSV file',
          description: description('email (courriel), first_name (prénom, given_name), last_name (nom, family_name), phone (téléphone)?, external_ref (identifiant)?. An email already in the organisation updates that person (status update).'),
          querystring: learnersImportQuerySchema,
          response: responses,
        },
      },
      async (req, reply) => {
        const result = await importLearners(db, requireCtx(req), { ...req.query, encoding: encodingOf(req, req.query.encoding), file: csvBody(req), now: clock.now() });
        return reply.code(result.dryRun ? 200 : 201).send(result);
      },
    );

    api.post(
      '/imports/sessions',
      {
        bodyLimit: config.uploadLimitBytes,
        schema: {
          tags,
          summary: 'Import half-day sessions of a cohort from a CSV file',
          description: description(
            "date (YYYY-MM-DD or DD/MM/YYYY), start_time (heure_debut), end_time (heure_fin) as HH:MM or 9h30, module? (title of a module of the cohort's program), location (lieu)?, remote_url?, capacity?, trainer_email? (several separated by |). A line identical to a planned session has status exists and is skipped; public holidays are errors unless allowHolidays=true.",
          ),
          querystring: sessionsImportQuerySchema,
          response: responses,
        },
      },
      async (req, reply) => {
        const result = await importSessions(db, requireCtx(req), { ...req.query, encoding: encodingOf(req, req.query.encoding), file: csvBody(req), now: clock.now() });
        return reply.code(result.dryRun ? 200 : 201).send(result);
      },
    );
  });
}

function csvBody(req: FastifyRequest): Buffer {
  if (Buffer.isBuffer(req.body)) return req.body;
  throw new AppError('unsupported_media_type', 'Send the CSV file itself as the request body with Content-Type: text/csv.');
}

/** The encoding query parameter wins; else a windows-1252 / latin-1 charset in Content-Type; else UTF-8. */
function encodingOf(req: FastifyRequest, fromQuery: CsvEncoding | undefined): CsvEncoding {
  if (fromQuery) return fromQuery;
  const charset = /charset="?([\w-]+)/i.exec(String(req.headers['content-type'] ?? ''))?.[1]?.toLowerCase();
  return charset && ['windows-1252', 'cp1252', 'iso-8859-1', 'latin1', 'iso-8859-15'].includes(charset) ? 'windows-1252' : 'utf-8';
}
