import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, type ProblemItem } from './app-error.ts';
import { ERROR_CODES, type ErrorCode } from './error-codes.ts';
import { fixedMessageCode, issueProblem } from './problem-items.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** The problem+json body, as documented in the OpenAPI document. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z
      .array(
        z.object({
          path: z.string(),
          message: z.string(),
          code: z.string().optional().meta({ description: 'Stable code of this item (e.g. field_too_small, correct_answer_missing), for messages in the reader\'s language' }),
          params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
          line: z.number().optional(),
          column: z.string().optional(),
        }),
      )
      .optional(),
    reason: z.string().optional().meta({ description: 'Why, for a generic code (e.g. conflict: session_cancelled, last_admin): stable, for a detail in the reader\'s language' }),
    reasonParams: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  })
  .catchall(z.unknown())
  .meta({ id: 'Problem' });

export function problemBody(error: AppError, instance?: string): Record<string, unknown> {
  return {
    type: `urn:emarge:problem:${error.code}`,
    title: ERROR_CODES[error.code].title,
    status: error.status,
    code: error.code,
    detail: error.message,
    ...(instance ? { instance } : {}),
    ...(error.errors ? { errors: error.errors } : {}),
    ...error.reason,
    ...(error.extra ?? {}),
  };
}

export function sendProblem(reply: FastifyReply, error: AppError, request?: FastifyRequest): FastifyReply {
  return reply.code(error.status).type(PROBLEM_CONTENT_TYPE).send(problemBody(error, request?.url.split('?')[0]));
}

const FASTIFY_CODE_MAP: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
  FST_ERR_VALIDATION: 'validation_failed',
  FST_REQ_FILE_TOO_LARGE: 'payload_too_large',
  FST_PARTS_LIMIT: 'payload_too_large',
  FST_FILES_LIMIT: 'payload_too_large',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'unsupported_media_type',
  FST_MP_PREMATURE_CLOSE: 'malformed_multipart',
};

/** busboy's own errors (plain Errors, no code) for a multipart body without boundary, cut short or malformed. */
const MULTIPART_ERROR = /^(Multipart: Boundary not found|Boundary required|Unexpected end of multipart data|\w+ terminated early due to unexpected end of multipart data|Malformed part header|The needle cannot have a length bigger than 256)/;

/** The codes of field errors (see fieldCode). */
export const FIELD_PROBLEM_CODES = ['field_too_small', 'field_too_big', 'field_invalid_type', 'field_invalid_format', 'field_invalid_value', 'field_unrecognized_keys'] as const;

/** zod's own wording ("Invalid input: …", "Too small: …"); a schema's own message says more, and is kept as it is. */
const ZOD_DEFAULT_MESSAGE = /^(Invalid|Too (small|big)|Unrecognized)\b/;

interface ZodIssueFields {
  code?: string;
  keys?: string[];
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  expected?: string;
  format?: string;
  values?: unknown[];
}

/**
 * A field error's code and parameters from its zod issue (`field_too_small` with origin and limit…), so that
 * clients can word it in the reader's language; messages our schemas word themselves keep their English only.
 */
function fieldCode(issue: ZodIssueFields): { code?: (typeof FIELD_PROBLEM_CODES)[number]; params?: ProblemItem['params'] } {
  const bound = (v: number | bigint | undefined) => (typeof v === 'bigint' ? Number(v) : v);
  switch (issue.code) {
    case 'too_small':
    case 'too_big': {
      const limit = bound(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      return limit === undefined ? {} : { code: issue.code === 'too_small' ? 'field_too_small' : 'field_too_big', params: { origin: issue.origin ?? 'value', limit } };
    }
    case 'invalid_type':
      return { code: 'field_invalid_type', params: { expected: issue.expected ?? 'value' } };
    case 'invalid_format':
      return { code: 'field_invalid_format', params: { format: issue.format ?? 'value' } };
    case 'invalid_value':
      return { code: 'field_invalid_value', params: { values: (issue.values ?? []).map(String).join(', ') } };
    default:
      return {};
  }
}

/** Translates any thrown error into an AppError; unknown errors become internal_error. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const err = error as FastifyError & { validationContext?: string };
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? 'body';
    const errors: ProblemItem[] = err.validation.map((v) => {
      const path = [where, ...String(v.instancePath ?? '').split('/').filter(Boolean)].join('.');
      // fastify-type-provider-zod: the zod issue's code is the keyword, its other fields the params.
      const issue: ZodIssueFields & { params?: unknown } = { ...(v.params as ZodIssueFields | undefined), code: v.keyword };
      const keys = issue.keys;
      if (keys?.length) return { path, message: `unknown field(s): ${keys.join(', ')}`, code: 'field_unrecognized_keys', params: { keys: keys.join(', ') } };
      const message = v.message ?? 'is not valid';
      // Our own wordings carry their code (schemaIssue), or are found by their text; zod's own get a field code.
      const fixed = fixedMessageCode(message);
      const own = issueProblem(issue.params) ?? (fixed ? { code: fixed } : null);
      if (own) return { path, message, ...own };
      return { path, message, ...(ZOD_DEFAULT_MESSAGE.test(message) ? fieldCode(issue) : {}) };
    });
    return new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
  }
  if (err?.code && FASTIFY_CODE_MAP[err.code]) {
    const code = FASTIFY_CODE_MAP[err.code]!;
    return new AppError(code, code === 'malformed_json' ? `The request body is not valid JSON: ${err.message}` : err.message);
  }
  if (typeof err?.message === 'string' && MULTIPART_ERROR.test(err.message) && !err.code) {
    return new AppError('malformed_multipart', `The multipart body cannot be read: ${err.message}.`);
  }
  if (err?.statusCode === 429) return new AppError('rate_limited', err.message);
  if (typeof err?.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return new AppError(err.statusCode === 404 ? 'not_found' : err.statusCode === 405 ? 'method_not_allowed' : 'bad_request', err.message);
  }
  const pg = mapPostgresError(err as unknown as { code?: string; constraint?: string; detail?: string });
  if (pg) return pg;
  return new AppError('internal_error', 'An unexpected error occurred. It has been logged.');
}

/**
 * Constraint violations that slipped past a use-case's own checks still become
 * a clear 4xx rather than a 500: the database is the last line of validation.
 */
function mapPostgresError(err: { code?: string; constraint?: string; detail?: string } | undefined): AppError | null {
  switch (err?.code) {
    case '23505':
      return new AppError('duplicate', `This already exists (${err.constraint ?? 'unique constraint'}).`);
    case '23503':
      return new AppError('conflict', `A referenced record does not exist or is still in use (${err.constraint ?? 'foreign key'}).`);
    case '23514':
    case '22007':
    case '22008':
    case '22P02':
    case '22003':
    case '22001':
      return new AppError('validation_failed', `A value is out of range or malformed (${err.constraint ?? err.detail ?? err.code}).`);
    case '22021':
    case '22P05':
      // A NUL or invalid byte that reached the database by a way the edge does not check (a multipart field…).
      return new AppError('invalid_text', 'A text holds a NUL character or bytes that are not valid UTF-8.');
    case '54000':
      return new AppError('payload_too_large', 'A value is too large to be stored or indexed.');
    default:
      return null;
  }
}

export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error }, 'response did not match its schema');
      return sendProblem(reply, new AppError('internal_error'), request);
    }
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, 'unhandled error');
    else request.log.debug({ err: error, code: appError.code }, 'client error');
    return sendProblem(reply, appError, request);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, new AppError('route_not_found', `No endpoint ${request.method} ${request.url.split('?')[0]}`), request),
  );
}
