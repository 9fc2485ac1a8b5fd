import { AppError } from '../../platform/errors/app-error.ts';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Loopback, private, link-local and unspecified IP literals (and localhost): refused as targets in production. */
function isInternalHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  if (h.includes(':')) return h === '::' || h === '::1' || h.startsWith('fc') || h.startsWith('fd') || h.startsWith('fe80') || h.startsWith('::ffff:');
  return false;
}

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
  if (url.protocol === 'https:') {
    if (env === 'production' && isInternalHost(url.hostname)) throw bad('must not point to a loopback, private or link-local address');
    return url.toString();
  }
  if (url.protocol === 'http:') {
    if (env === 'production') throw bad('must use https');
    if (!LOOPBACK_HOSTS.has(url.hostname)) throw bad('must use https (http is accepted only to localhost outside production)');
    return url.toString();
  }
  throw bad('must use https');
}
