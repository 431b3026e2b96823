import { sha256 } from '@noble/hashes/sha256';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';

/**
 * Content hashes that mean the same in the workflow sandbox and on the host: canonical JSON (sorted
 * keys, undefined dropped) hashed with a pure-JS SHA-256.
 */

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** `sha256:<hex>` of the canonical JSON of a value. */
export function digestOf(value: unknown): string {
  return `sha256:${bytesToHex(sha256(utf8ToBytes(canonicalJson(value))))}`;
}

/**
 * A value as it is, or, when its canonical JSON is longer than `limit`, a marker saying how big it was
 * (`{"_truncated": true, "_bytes": n}`): what memos and notices carry in place of large content, which
 * stays one read away.
 */
export function capped(value: unknown, limit: number): unknown {
  if (value === undefined) return undefined;
  const bytes = canonicalJson(value).length;
  return bytes > limit ? { _truncated: true, _bytes: bytes } : value;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .filter((k) => record[k] !== undefined)
        .map((k) => [k, sortKeys(record[k])]),
    );
  }
  return value;
}
