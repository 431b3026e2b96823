import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * For `npm start` without HOLDPOINT_SECRET_KEY: a deployment secret made once and kept in the data
 * directory (git ignores it), so webhook secrets stay valid across restarts.
 */
export async function localSecretKey(file: string): Promise<{ key: string; created: boolean }> {
  try {
    const key = (await readFile(file, 'utf8')).trim();
    if (key.length >= 32) return { key, created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = randomBytes(32).toString('base64url');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return { key, created: true };
}
