import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ApiKeyDocument, ApiKeyList, type ApiKeyEntry, type Principal } from '../contracts/principal';

/**
 * The API keys a gateway accepts. Keys are kept only as SHA-256 digests and every lookup compares the
 * presented key with every entry in constant time, so neither timing nor a heap dump gives a key away.
 */
export class ApiKeyRing {
  private readonly entries: { digest: Buffer; principal: Principal }[];

  constructor(keys: readonly ApiKeyEntry[]) {
    const seen = new Set<string>();
    this.entries = keys.map((k) => {
      const digest = sha256(k.key);
      const hex = digest.toString('hex');
      if (seen.has(hex)) throw new Error(`HOLDPOINT_API_KEYS: the key of principal "${k.principal}" is also given to another entry`);
      seen.add(hex);
      return { digest, principal: { id: k.principal, roles: [...k.roles], groups: [...k.groups] } };
    });
  }

  get size(): number {
    return this.entries.length;
  }

  /** A principal by id, as its (first) key entry describes it; for channels that authenticate otherwise (Slack). */
  principal(id: string): Principal | undefined {
    return this.entries.find((e) => e.principal.id === id)?.principal;
  }

  /** The principal a key belongs to, or undefined. */
  authenticate(presented: string): Principal | undefined {
    const digest = sha256(presented);
    let found: Principal | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, digest)) found = entry.principal;
    }
    return found;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * HOLDPOINT_API_KEYS: inline JSON (`[{"key": ..., "principal": ..., "roles": [...], "groups": [...]}]`)
 * or the path of a JSON or YAML file holding the same list (or `{keys: [...]}`).
 */
export function parseApiKeys(value: string): ApiKeyEntry[] {
  const trimmed = value.trim();
  let raw: unknown;
  let source = 'HOLDPOINT_API_KEYS';
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      raw = JSON.parse(trimmed);
    } catch (err) {
      throw new Error(`HOLDPOINT_API_KEYS is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
  } else {
    source = `HOLDPOINT_API_KEYS file ${trimmed}`;
    if (!existsSync(trimmed)) throw new Error(`HOLDPOINT_API_KEYS names ${trimmed}, but there is no such file (give inline JSON or a JSON/YAML file)`);
    const text = readFileSync(trimmed, 'utf8');
    try {
      raw = extname(trimmed) === '.json' ? JSON.parse(text) : parseYaml(text);
    } catch (err) {
      throw new Error(`${source} cannot be parsed: ${(err as Error).message}`, { cause: err });
    }
  }
  const parsed = Array.isArray(raw) ? ApiKeyList.safeParse(raw) : ApiKeyDocument.transform((d) => d.keys).safeParse(raw);
  if (!parsed.success) {
    // Never echo the value: it holds secrets.
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${source} is invalid: ${issues.join('; ')}`);
  }
  return parsed.data;
}

/** Groups of the shipped examples' assignees, given to the generated local approver. */
const EXAMPLE_GROUPS = ['sales-ops', 'release-managers', 'engineering-managers', 'billing-ops'];

/**
 * For `npm start` without HOLDPOINT_API_KEYS: keys for a local admin and a local approver, generated
 * once and kept in the data directory (git ignores it), so the gateway never runs open.
 */
export async function localDevKeys(file: string): Promise<{ keys: ApiKeyEntry[]; created: boolean }> {
  try {
    return { keys: parseApiKeys(await readFile(file, 'utf8')), created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && existsSync(file)) throw err;
  }
  const key = (prefix: string) => `${prefix}_${randomBytes(24).toString('base64url')}`;
  const keys: ApiKeyEntry[] = [
    { key: key('hp_admin'), principal: 'local-admin', roles: ['admin'], groups: [] },
    { key: key('hp_approver'), principal: 'local-approver', roles: ['approver'], groups: EXAMPLE_GROUPS },
  ];
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return { keys, created: true };
}
