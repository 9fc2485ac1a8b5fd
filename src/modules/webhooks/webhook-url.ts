import { AppError } from '../../platform/errors/app-error.ts';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Webhook targets are https; plain http is accepted only to the local machine
 * (localhost, 127.0.0.1, [::1]) outside production, for development receivers.
 * No credentials in the URL: the signature authenticates deliveries.
 */
export function checkWebhookUrl(raw: string, env: 'development' | 'production' | 'test'): string {
  const bad = (message: string) => new AppError('validation_failed', `body.url: ${message}`, { errors: [{ path: 'body.url', message }] });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('is not a valid URL');
  }
  if (url.username || url.password) throw bad('must not contain credentials');
  if (url.protocol === 'https:') return url.toString();
  if (url.protocol === 'http:') {
    if (env === 'production') throw bad('must use https');
    if (!LOOPBACK_HOSTS.has(url.hostname)) throw bad('must use https (http is accepted only to localhost outside production)');
    return url.toString();
  }
  throw bad('must use https');
}
