import { hash, verify } from '@node-rs/argon2';
import type { ProblemParams } from '../errors/problem-items.ts';

// argon2id with OWASP's recommended minimum (19 MiB, 2 iterations, 1 lane).
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  // Always spend the hashing time, so a missing account is not faster to reject than a wrong password.
  if (!passwordHash) {
    await hash(password, OPTIONS);
    return false;
  }
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

export const PASSWORD_LENGTH = { min: 10, max: 200 } as const;

/** Rules a person understands: length over composition (NIST SP 800-63B). The problem's code and params, or null. */
export function passwordProblem(password: string): { code: 'password_too_short' | 'password_too_long'; params: ProblemParams } | null {
  if (password.length < PASSWORD_LENGTH.min) return { code: 'password_too_short', params: { min: PASSWORD_LENGTH.min } };
  if (password.length > PASSWORD_LENGTH.max) return { code: 'password_too_long', params: { max: PASSWORD_LENGTH.max } };
  return null;
}
