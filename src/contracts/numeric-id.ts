import { sha256 } from '@noble/hashes/sha256';
import { utf8ToBytes } from '@noble/hashes/utils';

/**
 * A stable positive integer for a string id, for APIs whose ids are numbers (m8tes): the first 52 bits
 * of its SHA-256, so it is exact in every JSON parser (below 2^53) and the same on every host and in
 * the workflow sandbox. Two ids share a number with odds of about n²/2^53 (1 in 10^6 at 100k runs);
 * lookups by number detect it and refuse rather than guess.
 */
export function numericId(text: string): number {
  const bytes = sha256(utf8ToBytes(text));
  let value = 0;
  for (let i = 0; i < 6; i++) value = value * 256 + bytes[i]!;
  // 48 bits from six bytes, 4 more from the seventh: 52 bits in all.
  value = value * 16 + (bytes[6]! >> 4);
  return value === 0 ? 1 : value;
}
