import { isUtf8 } from 'node:buffer';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.ts';
import type { ErrorCode } from '../errors/error-codes.ts';
import { PROBLEM_CONTENT_TYPE, problemBody, sendProblem } from '../errors/problem.ts';

/** Deeper JSON than this is refused before validation: no schema of ours nests past a dozen levels. */
export const MAX_NESTING = 32;

/** A NUL character or a lone UTF-16 surrogate (a well-formed pair is one code point, not `Cs`, under the `u` flag). */
const BAD_CHARACTER = /[\0\p{Cs}]/u;

/**
 * Where a value parsed from the request holds text that PostgreSQL cannot store (NUL) or that is not
 * Unicode (a lone surrogate, from a JSON `\ud800` escape), or nests deeper than MAX_NESTING. Iterative, so
 * that a hostile nesting cannot overflow the stack.
 */
export function findTextProblem(value: unknown, root: string): { path: string; problem: 'character' | 'depth' } | null {
  const stack: Array<[unknown, string, number]> = [[value, root, 0]];
  while (stack.length) {
    const [v, path, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (BAD_CHARACTER.test(v)) return { path, problem: 'character' };
    } else if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) {
      if (depth >= MAX_NESTING) return { path, problem: 'depth' };
      for (const [k, child] of Object.entries(v)) {
        if (BAD_CHARACTER.test(k)) return { path: `${path}.${k}`, problem: 'character' };
        stack.push([child, `${path}.${k}`, depth + 1]);
      }
    }
  }
  return null;
}

/**
 * Whether a JSON text that parsed may hold what findTextProblem refuses. JSON.parse refuses a raw NUL (a control
 * character) inside strings, and a lone surrogate's raw bytes are not UTF-8 (refused before parsing), so either
 * can only arrive as a `\u` escape; and a value nests no deeper than the text's brackets (brackets inside strings
 * only over-count). A text with neither is clean without walking its value (a signing's strokes: ~30 µs saved).
 */
function jsonMayHoldTextProblem(text: string): boolean {
  if (text.includes('\\u')) return true;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_NESTING) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Requests whose JSON body was found clean from its text (see jsonMayHoldTextProblem). */
const cleanJsonBodies = new WeakSet<FastifyRequest>();

function textError(found: { path: string; problem: 'character' | 'depth' }): AppError {
  return found.problem === 'depth'
    ? new AppError('nesting_too_deep', `${found.path} is nested more than ${MAX_NESTING} levels deep.`)
    : new AppError('invalid_text', `${found.path} holds a NUL character or a lone surrogate, which is not valid text.`);
}

/** The headers our code reads (authentication, audit, idempotency, content negotiation). */
const HEADERS_READ = ['authorization', 'cookie', 'x-csrf-token', 'user-agent', 'idempotency-key', 'accept-language', 'x-forwarded-for', 'content-type', 'origin', 'referer'];

/**
 * Node gives header bytes as Latin-1 characters: a value that has bytes above 0x7F must be UTF-8 once read back
 * as bytes, or an audit row would keep mojibake of bytes that were never text.
 */
function headerNotUtf8(request: FastifyRequest): string | null {
  for (const name of HEADERS_READ) {
    const value = request.headers[name];
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      if (/[\u0080-\u00ff]/.test(v) && !/[^\u0000-\u00ff]/.test(v) && !isUtf8(Buffer.from(v, 'latin1'))) return name;
    }
  }
  return null;
}

/**
 * Whether every name and value of a raw query string decodes as UTF-8 percent-encoding: the query parser keeps
 * an undecodable value as its raw text ('%FF' stays '%FF'), which would silently search for the wrong thing.
 */
function queryDecodes(url: string): boolean {
  const at = url.indexOf('?');
  if (at < 0) return true;
  for (const piece of url.slice(at + 1).split(/[&=]/)) {
    if (!piece.includes('%')) continue;
    try {
      decodeURIComponent(piece.replaceAll('+', ' '));
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * The edge of every request, before authentication reads anything: NUL characters, lone surrogates and
 * invalid UTF-8 in the query, the path parameters, the headers and JSON or text bodies are refused as 400
 * `invalid_text` (PostgreSQL refuses NUL in text and jsonb; invalid bytes would otherwise be replaced by U+FFFD
 * without a word); a query that does not percent-decode is 400 `malformed_url`.
 */
export function registerRequestGuard(app: FastifyInstance): void {
  // JSON and plain text are read as bytes so that invalid UTF-8 is refused rather than replaced.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (!isUtf8(bytes)) return done(new AppError('invalid_text', 'The request body is not valid UTF-8.'), undefined);
    const text = bytes.toString('utf8');
    if (!jsonMayHoldTextProblem(text)) cleanJsonBodies.add(request);
    parseJson(request, text, done);
  });
  app.addContentTypeParser('text/plain', { parseAs: 'buffer' }, (_request, body, done) => {
    const bytes = body as Buffer;
    if (!isUtf8(bytes)) return done(new AppError('invalid_text', 'The request body is not valid UTF-8.'), undefined);
    done(null, bytes.toString('utf8'));
  });

  app.addHook('onRequest', async (request) => {
    if (!queryDecodes(request.url)) throw new AppError('malformed_url', 'The query string has a bad percent-encoding or is not UTF-8.');
    const found = findTextProblem(request.query, 'query') ?? findTextProblem(request.params, 'params') ?? findTextProblem(request.headers, 'headers');
    if (found) throw textError(found);
    const header = headerNotUtf8(request);
    if (header) throw new AppError('invalid_text', `The ${header} header is not valid UTF-8.`);
  });
  app.addHook('preValidation', async (request) => {
    if (cleanJsonBodies.has(request)) return;
    const found = findTextProblem(request.body, 'body');
    if (found) throw textError(found);
  });
}

/** Fastify's own refusals before routing (a path that does not percent-decode, an overlong parameter) as problem+json. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const code: ErrorCode = error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'malformed_url' : 'bad_request';
  const detail = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter is too long.' : 'The path has a bad percent-encoding or is not UTF-8.';
  void sendProblem(reply, new AppError(code, code === 'malformed_url' ? detail : error.message), request);
}

/**
 * Node's HTTP parser's refusals (a bad Content-Length, headers over the size limit, bytes that are not HTTP, a
 * request not received in time) answered with a problem+json body, then the connection closed. When a response
 * to an earlier request on the connection is still being written, the refusal follows it.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ErrorCode = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request_timeout' : error.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : 'bad_request';
  const detail =
    code === 'request_timeout'
      ? 'The request was not received in time.'
      : code === 'headers_too_large'
        ? 'The request headers exceed the size limit.'
        : `The request is not valid HTTP (${error.code ?? 'parse error'}).`;
  const problem = new AppError(code, detail);
  const body = JSON.stringify(problemBody(problem));
  const write = () => {
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(error);
  };
  const inFlight = (socket as Socket & { _httpMessage?: { writableFinished: boolean; headersSent: boolean; once(event: 'finish', fn: () => void): void } })._httpMessage;
  if (inFlight && !inFlight.writableFinished) {
    // A request time-out names the request being answered (its body never came in full): its response will not finish.
    if (code === 'request_timeout') {
      if (inFlight.headersSent) socket.destroy(error);
      else write();
      return;
    }
    inFlight.once('finish', write);
  } else write();
}
