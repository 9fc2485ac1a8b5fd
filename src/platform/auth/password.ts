import { hash, verify } from '@node-rs/argon2';

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

/** Rules a person understands: length over composition (NIST SP 800-63B). */
export function passwordProblem(password: string): string | null {
  if (password.length < 10) return 'must be at least 10 characters long';
  if (password.length > 200) return 'must be at most 200 characters long';
  return null;
}
