import { createHash, randomBytes } from 'node:crypto';
import { RUN_ID_PREFIX } from '../contracts/temporal';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A new run id: `wfr_` + a ULID (time-sortable, 80 random bits). */
export function newRunId(now = Date.now()): string {
  let time = '';
  let ms = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[ms % 32]! + time;
    ms = Math.floor(ms / 32);
  }
  return `${RUN_ID_PREFIX}${time}${base32(randomBytes(10))}`;
}

/**
 * The run id an idempotency key stands for: the same (scope, workflow, key) always gives the same id,
 * so a retried start finds the run the first attempt made. The scope keeps two callers' keys apart.
 */
export function runIdForKey(scope: string, workflow: string, key: string): string {
  const digest = createHash('sha256').update(`${scope}\n${workflow}\n${key}`).digest();
  return `${RUN_ID_PREFIX}k${base32(digest).slice(0, 26)}`;
}

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += CROCKFORD[(value << (5 - bits)) & 31];
  return out;
}

/** `<run_id>.<step>.<n>`: the run id may itself hold dots, the step and counter cannot. */
export function parseRequestId(requestId: string): { runId: string; step: string; n: number } | undefined {
  const match = /^(.+)\.([A-Za-z][A-Za-z0-9_-]*)\.(\d+)$/.exec(requestId);
  return match ? { runId: match[1]!, step: match[2]!, n: Number(match[3]) } : undefined;
}
