import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.ts';

/**
 * The Content-Security-Policy of every response. The web app is Vite's output
 * (module scripts from our own origin, no inline script) and Mantine, which
 * writes its CSS variables in a <style> element and sets inline `style`
 * attributes: hence `style-src 'unsafe-inline'`, and nothing inline for
 * scripts. Images: our own (signature PNGs) and `data:` (the QR code the
 * trainer projects is drawn in the browser). The live roster's EventSource and
 * every fetch go to our own origin. No page may be framed by another site (the
 * signing and kiosk pages would otherwise be open to clickjacking); nothing in
 * Emarge is meant to be embedded.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The headers every response carries (HSTS only when the public address is https). */
export function securityHeaders(config: Pick<Config, 'publicUrl'>): Record<string, string> {
  return {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), payment=(), usb=()',
    ...(config.publicUrl.startsWith('https://') ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

/**
 * Adds the security headers to every response Fastify sends, errors and 404s
 * included (a hijacked stream such as the live roster writes its own head).
 * `Referrer-Policy: no-referrer` keeps signing-link and magic-link tokens (in
 * the URL) out of the Referer of anything the page loads.
 */
export function registerSecurityHeaders(app: FastifyInstance, config: Pick<Config, 'publicUrl'>): void {
  const headers = Object.entries(securityHeaders(config));
  // Set once, as the reply leaves (after any error handler): a route's own value (a file's sandboxing CSP) is kept.
  app.addHook('onSend', async (_request, reply) => {
    for (const [name, value] of headers) if (!reply.hasHeader(name)) reply.header(name, value);
  });
}

/**
 * Request time-outs on the HTTP server (Node's own): a client has
 * `requestTimeoutMs` to send the whole request — headers and body — and at
 * most 10 s of it for the headers; Node checks every 2 s (or less) and answers
 * 408 and closes the connection. Without them a body trickled one byte at a
 * time held a connection (and its request's memory) for as long as the client
 * wanted. Responses (the live roster's event stream) are not limited.
 */
export function requestTimeoutOptions(config: Pick<Config, 'requestTimeoutMs'>): { requestTimeout: number; http: { headersTimeout: number; connectionsCheckingInterval: number } } {
  const requestTimeout = config.requestTimeoutMs;
  return {
    requestTimeout,
    http: {
      headersTimeout: Math.min(10_000, requestTimeout),
      connectionsCheckingInterval: Math.max(100, Math.min(2000, Math.floor(requestTimeout / 4))),
    },
  };
}
