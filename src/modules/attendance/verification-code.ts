import { randomInt } from 'node:crypto';

/** Letters and digits that cannot be mistaken for one another when read aloud or typed (no 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V). */
export const VERIFICATION_ALPHABET = '34679ACDEFGHJKMNPQRTWXY';

/** A sheet's public verification code: 10 characters, about 45 bits. */
export function newVerificationCode(length = 10): string {
  let code = '';
  for (let i = 0; i < length; i++) code += VERIFICATION_ALPHABET[randomInt(VERIFICATION_ALPHABET.length)];
  return code;
}
