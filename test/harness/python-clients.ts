import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../src/logger';

/**
 * The vendors' own Python clients, installed from PyPI into venvs the harness builds once and caches
 * in `.clients/<name>` (git ignores it), exactly as the Temporal CLI is cached. A client is the judge
 * of its face: the suite drives holdpoint with it, unchanged.
 */
export const PYTHON_CLIENTS = {
  /** Agno's AgentOSClient needs fastapi to import (agno/client/os.py imports fastapi.UploadFile). */
  agno: { packages: ['agno==3.1.10', 'fastapi==0.165.0', 'httpx==0.28.1', 'websockets==17.4'], pipFlags: [] as string[] },
  glaip: { packages: ['glaip-sdk==0.9.16'], pipFlags: [] as string[] },
  /** Temporal's Python SDK: another service deciding through Temporal, not REST. */
  temporal: { packages: ['temporalio==1.35.0'], pipFlags: [] as string[] },
  /** m8tes 4.49.0 asks for Python >= 3.11.9; these machines have 3.11.7 and the SDK is pure Python. */
  m8tes: { packages: ['m8tes==4.49.0'], pipFlags: ['--ignore-requires-python'] },
} as const;
export type PythonClient = keyof typeof PYTHON_CLIENTS;

/** The venv's python for a client, building the venv first if the cache does not have it. */
export async function ensurePythonClient(root: string, name: PythonClient, logger: Logger): Promise<string> {
  const spec = PYTHON_CLIENTS[name];
  const dir = join(root, '.clients', name);
  const python = join(dir, 'bin', 'python');
  const marker = join(dir, '.holdpoint-spec');
  const wanted = createHash('sha256').update(JSON.stringify(spec)).digest('hex');
  if (existsSync(python) && existsSync(marker) && (await readFile(marker, 'utf8')).trim() === wanted) return python;

  const started = Date.now();
  logger.info({ client: name, packages: spec.packages, dir }, `installing ${name}'s Python client from PyPI into a cached venv (first run only)`);
  const ticker = setInterval(() => logger.info({ client: name, elapsed: `${Math.round((Date.now() - started) / 1000)}s` }, `still installing ${name}'s Python client`), 20_000);
  try {
    await rm(dir, { recursive: true, force: true });
    await mkdir(join(root, '.clients'), { recursive: true });
    await run(process.env.HOLDPOINT_PYTHON ?? 'python3', ['-m', 'venv', dir]);
    await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...spec.pipFlags, ...spec.packages]);
    await writeFile(marker, `${wanted}\n`);
  } finally {
    clearInterval(ticker);
  }
  logger.info({ client: name, took: `${Math.round((Date.now() - started) / 1000)}s` }, `installed ${name}'s Python client`);
  return python;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
    const output: string[] = [];
    child.stdout.on('data', (c: Buffer) => output.push(c.toString()));
    child.stderr.on('data', (c: Buffer) => output.push(c.toString()));
    child.on('error', (err) => fail(new Error(`${command} could not run (${err.message}); is Python 3.11+ installed? (HOLDPOINT_PYTHON names another)`)));
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`${command} ${args.slice(0, 4).join(' ')}… failed (exit ${code}):\n${output.join('').slice(-3_000)}`))));
  });
}

/** Runs a client script; each JSON line it prints is a step's outcome, collected in order. */
export function runPythonScript(python: string, script: string, args: Record<string, string>, timeoutMs = 120_000): Promise<{ results: Record<string, unknown>[]; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(python, [script, ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, v])], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${script} did not finish within ${timeoutMs} ms\nstdout:\n${stdout.slice(-3_000)}\nstderr:\n${stderr.slice(-3_000)}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const results = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      if (code !== 0) fail(new Error(`${script} exited ${code}\nstdout:\n${stdout.slice(-4_000)}\nstderr:\n${stderr.slice(-4_000)}`));
      else done({ results, stderr });
    });
  });
}
