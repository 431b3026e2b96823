import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './exit';

/** Where the gateway is and who is asking: flags, then environment, then the config file. */
export interface Settings {
  url: string;
  apiKey: string | undefined;
  /** Where each came from, for `--verbose`-style messages. */
  sources: { url: string; apiKey: string };
}

export const DEFAULT_URL = 'http://127.0.0.1:3000';

/** `~/.config/holdpoint/config.json` (or `$XDG_CONFIG_HOME/holdpoint/config.json`), unless HOLDPOINT_CONFIG names another. */
export function configPath(env: NodeJS.ProcessEnv): string {
  if (env.HOLDPOINT_CONFIG) return env.HOLDPOINT_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'holdpoint', 'config.json');
}

interface FileConfig {
  url?: string;
  api_key?: string;
}

/** The config file: `{"url": "...", "api_key": "..."}`. A missing default file is fine; a named one must exist. */
function readConfigFile(env: NodeJS.ProcessEnv): FileConfig & { path: string } {
  const path = configPath(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !env.HOLDPOINT_CONFIG) return { path };
    throw new UsageError(`cannot read the config file ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`config file ${path} is not JSON: ${(err as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError(`config file ${path} must hold an object: {"url": "...", "api_key": "..."}`);
  const record = raw as Record<string, unknown>;
  const str = (key: string) => {
    const value = record[key];
    if (value !== undefined && typeof value !== 'string') throw new UsageError(`config file ${path}: "${key}" must be a string`);
    return value;
  };
  return { path, url: str('url'), api_key: str('api_key') ?? str('apiKey') };
}

export function resolveSettings(flags: { url?: string | undefined; apiKey?: string | undefined }, env: NodeJS.ProcessEnv): Settings {
  const file = flags.url && flags.apiKey ? { path: '' } : readConfigFile(env);
  const pick = (flag: string | undefined, envName: string, fromFile: string | undefined): [string | undefined, string] => {
    if (flag) return [flag, 'flag'];
    if (env[envName]) return [env[envName], envName];
    if (fromFile) return [fromFile, file.path];
    return [undefined, 'default'];
  };
  const [url, urlSource] = pick(flags.url, 'HOLDPOINT_URL', file.url);
  const [apiKey, keySource] = pick(flags.apiKey, 'HOLDPOINT_API_KEY', file.api_key);
  const resolved = url ?? DEFAULT_URL;
  if (!/^https?:\/\/[^/]+/i.test(resolved)) throw new UsageError(`the gateway URL must be http(s)://host[:port], got "${resolved}" (from ${urlSource})`);
  return { url: resolved, apiKey, sources: { url: urlSource, apiKey: keySource } };
}
