import type { TFunction } from 'i18next';
import { ApiError } from '../api/client.ts';

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

/** The server's explanation, when the translated message is generic (shown under it). */
export function errorExplanation(error: unknown): string | null {
  if (!(error instanceof ApiError) || !error.detail || error.errors.length) return null;
  return GENERIC_CODES.has(error.code) ? error.detail : null;
}

/** Field-level details of a validation problem ("body.email — is not valid"). */
export function errorDetails(error: unknown): string[] {
  if (!(error instanceof ApiError)) return [];
  return error.errors.map((e) => {
    const where = e.line !== undefined ? `${e.line}${e.column ? `:${e.column}` : ''}` : (e.path ?? '');
    return where ? `${where} — ${e.message}` : e.message;
  });
}
