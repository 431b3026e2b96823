import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { access, constants, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { Logger } from '../logger';

/**
 * Small process helpers shared by the local cluster's parts (PostgreSQL, the Temporal server, its
 * Web UI, the Go builds): find a binary, run a command to completion, supervise a long-running one.
 */

export async function findOnPath(command: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, command);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, collecting its output (commands here print little). */
export function run(command: string, args: string[], options: Pick<SpawnOptions, 'cwd' | 'env' | 'uid' | 'gid'> = {}): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Logs `still <what>` every 20 s while `work` runs, so a slow first build or install never looks hung. */
export async function withProgress<T>(log: Logger, what: string, work: () => Promise<T>, fields: () => Record<string, unknown> = () => ({})): Promise<T> {
  const started = Date.now();
  const ticker = setInterval(() => log.info({ elapsed: `${Math.round((Date.now() - started) / 1000)}s`, ...fields() }, `still ${what}`), 20_000);
  try {
    return await work();
  } finally {
    clearInterval(ticker);
  }
}

export interface Supervised {
  child: ChildProcess;
  /** Resolves with the exit code (or -1 for a signal) once the process has ended. */
  exited: Promise<number>;
  /** Whether it has ended. */
  readonly done: boolean;
  /** Its last output lines, for error messages. */
  recent(): string;
  /** Sends `signal`, then SIGKILL after `graceMs`, and waits for it to end. */
  stop(signal: NodeJS.Signals, graceMs: number): Promise<void>;
  /** Stops relaying its output (while everything shuts down, its complaints are noise). */
  mute(): void;
}

export interface SuperviseOptions extends Pick<SpawnOptions, 'cwd' | 'env' | 'uid' | 'gid'> {
  /** Called with each output line while not muted. */
  onLine: (line: string) => void;
}

/**
 * Starts a long-running server process in its own process group: a terminal's Ctrl-C reaches only
 * holdpoint, which then stops the parts in order (gateway and worker first, the database last).
 * If this process exits without stopping it, it is killed rather than left holding ports and files.
 */
export function supervise(command: string, args: string[], options: SuperviseOptions): Supervised {
  const { onLine, ...spawnOptions } = options;
  const child = spawn(command, args, { ...spawnOptions, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let muted = false;
  let done = false;
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      lines.push(line);
      if (lines.length > 40) lines.shift();
      if (!muted) onLine(line);
    }
  };
  child.stdout!.on('data', relay);
  child.stderr!.on('data', relay);
  const exited = new Promise<number>((resolveExit) => {
    child.on('error', (err) => {
      lines.push(String(err));
      done = true;
      resolveExit(-1);
    });
    child.on('exit', (code) => {
      done = true;
      resolveExit(code ?? -1);
    });
  });
  const killOnExit = () => {
    if (!done) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  return {
    child,
    exited,
    get done() {
      return done;
    },
    recent: () => lines.join('\n'),
    stop: async (signal, graceMs) => {
      if (done) return;
      child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
    },
    mute: () => {
      muted = true;
    },
  };
}

/** Polls `probe` until it returns true; fails early if the process ends, or at the deadline. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  options: { process?: Pick<Supervised, 'done' | 'exited' | 'recent'>; timeoutMs: number; log: Logger; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastNotice = Date.now();
  for (;;) {
    if (options.process?.done) {
      throw new Error(`${what}: the process exited (code ${await options.process.exited}) before it was ready. Its last output:\n${options.process.recent()}`);
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(`${what}: not ready within ${Math.round(options.timeoutMs / 1000)}s.${options.process ? ` Its last output:\n${options.process.recent()}` : ''}`);
    }
    if (Date.now() - lastNotice > 10_000) {
      options.log.info(`waiting: ${what}`);
      lastNotice = Date.now();
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
  }
}
