import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import pino from 'pino';
import { localDevKeys } from '../../src/auth/api-keys';
import { ensureTemporalCli, TemporalCliUnavailableError } from '../../src/temporal/cli';

const logger = pino({ level: 'silent' });

describe('finding the Temporal CLI', () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  it('says what to do when there is no CLI and no Go to build one', async () => {
    process.env.PATH = await mkdtemp(join(tmpdir(), 'empty-path-'));
    const cacheDir = await mkdtemp(join(tmpdir(), 'no-cache-'));
    const attempt = ensureTemporalCli({ cacheDir, logger });
    await expect(attempt).rejects.toBeInstanceOf(TemporalCliUnavailableError);
    await expect(ensureTemporalCli({ cacheDir, logger })).rejects.toThrow(/TEMPORAL_ADDRESS[\s\S]*TEMPORAL_CLI_PATH[\s\S]*install Go >= 1\.25/);
  });

  it('prefers TEMPORAL_CLI_PATH, then PATH, then the cache, and refuses a path that is not there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-'));
    const fake = join(dir, 'temporal');
    await writeFile(fake, '#!/bin/sh\n');
    await chmod(fake, 0o755);
    expect(await ensureTemporalCli({ explicitPath: fake, cacheDir: dir, logger })).toBe(fake);
    await expect(ensureTemporalCli({ explicitPath: join(dir, 'missing'), cacheDir: dir, logger })).rejects.toThrow(/TEMPORAL_CLI_PATH is .*missing, but no executable file is there/);
    process.env.PATH = dir;
    expect(await ensureTemporalCli({ cacheDir: join(dir, 'cache'), logger })).toBe(fake);
  });
});

describe('local development keys', () => {
  it('generates an admin and an approver key once, then reuses them', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'keys-')), 'nested', 'dev-api-keys.json');
    const first = await localDevKeys(file);
    expect(first.created).toBe(true);
    expect(first.keys.map((k) => [k.principal, k.roles])).toEqual([
      ['local-admin', ['admin']],
      ['local-approver', ['approver']],
    ]);
    expect(first.keys[1]!.groups).toEqual(expect.arrayContaining(['sales-ops', 'release-managers', 'billing-ops']));
    expect(first.keys[0]!.key).toMatch(/^hp_admin_[\w-]{32}$/);
    const again = await localDevKeys(file);
    expect(again).toEqual({ keys: first.keys, created: false });
    expect(JSON.parse(await readFile(file, 'utf8'))).toHaveLength(2);
  });
});
