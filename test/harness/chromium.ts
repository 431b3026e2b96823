import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { Logger } from '../../src/logger';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome'];

/**
 * A real headless browser for the suite: CHROMIUM_PATH, else Chromium on PATH, else Debian's
 * `chromium` package installed with apt-get (as root; a few minutes the first time, with progress).
 * Browser downloads are impossible here, so puppeteer-core drives this one by its path.
 */
export async function ensureChromium(logger: Logger): Promise<string> {
  if (process.env.CHROMIUM_PATH) {
    if (await executable(process.env.CHROMIUM_PATH)) return process.env.CHROMIUM_PATH;
    throw new Error(`CHROMIUM_PATH is ${process.env.CHROMIUM_PATH}, but no executable file is there`);
  }
  const found = await onPath(NAMES);
  if (found) return found;
  const aptGet = await onPath(['apt-get']);
  if (!aptGet || process.getuid?.() !== 0) {
    throw new Error("No Chromium found for the browser tests. Install Debian's package (`sudo apt-get install chromium`) or set CHROMIUM_PATH.");
  }
  const started = Date.now();
  logger.info("installing Debian's chromium package for the browser tests (first run only; a few minutes)");
  const ticker = setInterval(() => logger.info({ elapsed: `${Math.round((Date.now() - started) / 1000)}s` }, 'still installing chromium'), 20_000);
  try {
    await run(aptGet, ['install', '-y', '--no-install-recommends', 'chromium'], { DEBIAN_FRONTEND: 'noninteractive' }).catch(async () => {
      // The package lists may be missing or stale on a fresh machine.
      await run(aptGet, ['update'], {});
      await run(aptGet, ['install', '-y', '--no-install-recommends', 'chromium'], { DEBIAN_FRONTEND: 'noninteractive' });
    });
  } finally {
    clearInterval(ticker);
  }
  const installed = await onPath(NAMES);
  if (!installed) throw new Error('apt-get installed chromium, but no chromium binary is on PATH');
  logger.info({ path: installed, took: `${Math.round((Date.now() - started) / 1000)}s` }, 'installed chromium');
  return installed;
}

async function onPath(names: string[]): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of names) if (await executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function run(command: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`${command} ${args.join(' ')} failed (exit ${code}): ${stderr.slice(-2_000)}`))));
  });
}
