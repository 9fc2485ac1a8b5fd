import { reasonMessage, type ProblemParams, type ProblemReason } from './problem-items.ts';
import { ERROR_CODES, type ErrorCode } from './error-codes.ts';

/**
 * One item of a validation error list: where (field path or CSV line/column) and what. `message` is English;
 * `code` (with `params`), when present, lets a client say the same in the reader's language.
 */
export interface ProblemItem {
  path: string;
  message: string;
  code?: string;
  params?: Record<string, string | number>;
  line?: number;
  column?: string;
}

/** The only error type use-cases throw; rendered as RFC 9457 problem+json at the edge. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: ProblemItem[] | undefined;
  readonly extra: Record<string, unknown> | undefined;
  /** Why, when the code is generic (conflict…): the reason and its params, for a detail in the reader's language. */
  readonly reason: { reason: ProblemReason; reasonParams?: ProblemParams } | undefined;

  constructor(code: ErrorCode, detail?: string, options?: { errors?: ProblemItem[]; extra?: Record<string, unknown>; reason?: AppError['reason'] }) {
    super(detail ?? ERROR_CODES[code].title);
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.errors = options?.errors;
    this.extra = options?.extra;
    this.reason = options?.reason;
  }

  /** An error whose detail is a reason's English wording (see PROBLEM_REASONS). */
  static because(code: ErrorCode, reason: ProblemReason, params?: ProblemParams): AppError {
    return new AppError(code, reasonMessage(reason, params), { reason: { reason, ...(params ? { reasonParams: params } : {}) } });
  }
}

export const notFound = (what: string): AppError => new AppError('not_found', `${what} was not found`);
