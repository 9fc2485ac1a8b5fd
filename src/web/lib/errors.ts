import type { TFunction } from 'i18next';
import { ApiError, type ProblemItem } from '../api/client.ts';

/** Codes whose translation is generic: the server's `detail` says what exactly went wrong. */
const GENERIC_CODES = new Set(['bad_request', 'conflict', 'duplicate', 'unprocessable', 'forbidden', 'validation_failed']);

/** A person-readable message for an error: the translated `code`, else the server's `detail`. */
export function errorMessage(error: unknown, t: TFunction): string {
  if (error instanceof ApiError) {
    const translated = t(`errors.${error.code}`, { defaultValue: '' });
    if (translated) return translated;
    return error.detail || t('errors.unknown');
  }
  if (error instanceof Error) return error.message;
  return t('errors.unknown');
}

/**
 * The explanation shown under a generic message (conflict…): the problem's `reason` in the reader's language
 * (`reasons.*`), else the server's English detail.
 */
export function errorExplanation(error: unknown, t: TFunction): string | null {
  if (!(error instanceof ApiError) || !error.detail || error.errors.length || !GENERIC_CODES.has(error.code)) return null;
  const { reason, reasonParams } = error.body as { reason?: unknown; reasonParams?: Record<string, string | number> };
  if (typeof reason !== 'string') return error.detail;
  return t(`reasons.${reason}`, { ...reasonParams, defaultValue: error.detail });
}

/**
 * One item of a problem (a field's or a CSV line's) in the reader's language: its `code` translated (`problems.*`,
 * with a context where the wording depends on a param: the kind of value, the format, the half-day), else the
 * server's English message.
 */
export function problemItemMessage(item: Pick<ProblemItem, 'message' | 'code' | 'params'>, t: TFunction): string {
  if (!item.code) return item.message;
  const context = item.params?.origin ?? item.params?.format ?? item.params?.halfDay;
  return t(`problems.${item.code}`, { ...item.params, ...(typeof context === 'string' ? { context } : {}), defaultValue: item.message });
}

/**
 * The API's message for a body field (`path`, e.g. "options.1.label", or a field under it unless `exact`),
 * in the reader's language; undefined when the error says nothing of that field.
 */
export function bodyFieldError(error: unknown, path: string, t: TFunction, options: { exact?: boolean } = {}): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const item = error.errors.find((e) => e.path === `body.${path}` || (!options.exact && e.path?.startsWith(`body.${path}.`)));
  return item ? problemItemMessage(item, t) : undefined;
}

/** Field-level details of a validation problem ("body.email — adresse e-mail non valide"). */
export function errorDetails(error: unknown, t: TFunction): string[] {
  if (!(error instanceof ApiError)) return [];
  return error.errors.map((e) => {
    const where = e.line !== undefined ? `${e.line}${e.column ? `:${e.column}` : ''}` : (e.path ?? '');
    const message = problemItemMessage(e, t);
    return where ? `${where} — ${message}` : message;
  });
}
