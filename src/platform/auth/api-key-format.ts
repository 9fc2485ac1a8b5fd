import { randomBytes } from 'node:crypto';
import { hashToken } from './tokens.ts';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A new API key `emk_<prefix>_<secret>`: the prefix (12 alphanumerics) finds the
 * row, the SHA-256 of the whole key is stored; the key itself is shown once.
 */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const bytes = randomBytes(12);
  const prefix = Array.from(bytes, (b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
  const key = `emk_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashToken(key) };
}
