import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/temporal/cluster';

/**
 * One of holdpoint's own entry points (a worker, a gateway) as a separate OS process, run by Node
 * with tsx's loader directly (not the tsx CLI, which would put a second process in between: a
 * SIGKILL must reach the process that holds the connections). Its output goes to a log file; an IPC
 * channel carries the drill's few messages (ready, hub version).
 */
export interface NodeProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  /** Resolves when the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly alive: boolean;
  /** Whether the drill ended it on purpose (an exit otherwise is a finding). */
  readonly stopped: boolean;
  /** kill -9, and wait until the kernel has reaped it. */
  kill9(): Promise<void>;
  /** SIGTERM (the entry point's clean stop), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Sends a message and resolves with the first answer `accept` takes (or rejects at the deadline). */
  ask<T>(message: object, accept: (reply: Record<string, unknown>) => T | undefined, deadlineMs: number): Promise<T>;
  /** Its last output lines, for error messages. */
  recent(): string;
}

export function spawnNode(name: string, entry: string, env: NodeJS.ProcessEnv, logDir: string): NodeProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const log: WriteStream = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      lines.push(line);
      if (lines.length > 30) lines.shift();
    }
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let alive = true;
  let stopped = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.on('exit', (code, signal) => {
      alive = false;
      log.end(`\n[drill] ${name} exited: code ${code} signal ${signal}\n`);
      done({ code, signal });
    });
  });
  // Never leave a worker or gateway behind when the drill itself ends.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  return {
    name,
    pid: child.pid!,
    child,
    exited,
    get alive() {
      return alive;
    },
    get stopped() {
      return stopped;
    },
    kill9: async () => {
      stopped = true;
      if (alive) child.kill('SIGKILL');
      await exited;
    },
    stop: async (graceMs = 15_000) => {
      stopped = true;
      if (!alive) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
    },
    ask: <T>(message: object, accept: (reply: Record<string, unknown>) => T | undefined, deadlineMs: number) =>
      new Promise<T>((done, fail) => {
        const onMessage = (reply: unknown) => {
          const value = accept(reply as Record<string, unknown>);
          if (value === undefined) return;
          finish();
          done(value);
        };
        const onExit = () => {
          finish();
          fail(new Error(`${name} exited before it answered ${JSON.stringify(message)}. Its last output:\n${lines.join('\n')}`));
        };
        const timer = setTimeout(() => {
          finish();
          fail(new Error(`${name} did not answer ${JSON.stringify(message)} within ${deadlineMs} ms. Its last output:\n${lines.join('\n')}`));
        }, deadlineMs);
        const finish = () => {
          clearTimeout(timer);
          child.off('message', onMessage);
          child.off('exit', onExit);
        };
        child.on('message', onMessage);
        child.once('exit', onExit);
        if (Object.keys(message).length > 0 && child.connected) child.send(message);
      }),
    recent: () => lines.join('\n'),
  };
}
