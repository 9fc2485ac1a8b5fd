/**
 * A tiny typed client for the Emarge API (/api/v1): same-origin cookies, the
 * session's CSRF token on every write, problem+json parsed into ApiError.
 */
export const API_BASE = '/api/v1';

export interface ProblemItem {
  path?: string;
  message: string;
  /** Stable code of the item (field_too_small, correct_answer_missing…): worded in the reader's language by problemItemMessage. */
  code?: string;
  params?: Record<string, string | number>;
  line?: number;
  column?: string;
}

/** An RFC 9457 problem returned by the API (or a network failure, code `network_error`). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly errors: ProblemItem[];
  readonly body: Record<string, unknown>;
  constructor(status: number, code: string, detail: string, errors: ProblemItem[] = [], body: Record<string, unknown> = {}) {
    super(detail || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.errors = errors;
    this.body = body;
  }
}

let csrfToken: string | null = null;

/** Remembers the CSRF token given by GET /auth/session or sign-in (null after sign-out). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | null | undefined | string[]>;
  body?: unknown;
  /** Raw body (e.g. a CSV File) sent as is, with this content type. */
  raw?: { body: Blob | string; contentType: string };
  /** A multipart form (the browser sets the content type with its boundary). */
  form?: FormData;
  signal?: AbortSignal;
}

export function buildUrl(path: string, query?: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) value.forEach((v) => params.append(key, v));
    else params.set(key, String(value));
  }
  const qs = params.toString();
  return `${API_BASE}${path}${qs ? `?${qs}` : ''}`;
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

export async function apiRequest<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  let body: BodyInit | undefined;
  if (opts.form) {
    body = opts.form;
  } else if (opts.raw) {
    headers['content-type'] = opts.raw.contentType;
    body = opts.raw.body;
  } else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  if (!SAFE_METHODS.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(buildUrl(path, opts.query), { method, headers, body, credentials: 'same-origin', signal: opts.signal });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', (error as Error).message);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (!response.ok) {
    const problem = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>;
    throw new ApiError(
      response.status,
      typeof problem.code === 'string' ? problem.code : `http_${response.status}`,
      typeof problem.detail === 'string' ? problem.detail : text.slice(0, 300) || response.statusText,
      Array.isArray(problem.errors) ? (problem.errors as ProblemItem[]) : [],
      problem,
    );
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string, query?: RequestOptions['query'], signal?: AbortSignal) => apiRequest<T>('GET', path, { query, signal }),
  post: <T>(path: string, body?: unknown, query?: RequestOptions['query']) => apiRequest<T>('POST', path, { body: body ?? {}, query }),
  patch: <T>(path: string, body: unknown) => apiRequest<T>('PATCH', path, { body }),
  put: <T>(path: string, body: unknown) => apiRequest<T>('PUT', path, { body }),
  delete: (path: string) => apiRequest<void>('DELETE', path),
  postForm: <T>(path: string, form: FormData) => apiRequest<T>('POST', path, { form }),
  upload: <T>(path: string, file: Blob, contentType: string, query?: RequestOptions['query']) =>
    apiRequest<T>('POST', path, { raw: { body: file, contentType }, query }),
};

/** Fetches every page of a list endpoint ({items, nextCursor}), up to `max` items. */
export async function getAll<T>(path: string, query: RequestOptions['query'] = {}, max = 1000, signal?: AbortSignal): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null | undefined;
  do {
    const page = await api.get<Page<T>>(path, { ...query, limit: 200, cursor: cursor ?? undefined }, signal);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return items;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
