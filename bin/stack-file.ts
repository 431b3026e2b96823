import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What a running `npm start` tells other commands on the same machine (`npm run temporal`). */
export interface StackFile {
  pid: number;
  temporal_address: string;
  namespace: string;
  ui_url?: string;
  gateway_url: string;
  started_at: string;
}

export function stackFilePath(dataDir: string): string {
  return join(dataDir, 'stack.json');
}

export async function writeStackFile(dataDir: string, stack: Omit<StackFile, 'pid' | 'started_at'>): Promise<() => Promise<void>> {
  const path = stackFilePath(dataDir);
  await writeFile(path, `${JSON.stringify({ pid: process.pid, ...stack, started_at: new Date().toISOString() }, null, 2)}\n`);
  return () => rm(path, { force: true });
}

/** The running stack's file, if its process is still alive (a crashed one leaves a stale file). */
export async function readStackFile(dataDir: string): Promise<StackFile | undefined> {
  let stack: StackFile;
  try {
    stack = JSON.parse(await readFile(stackFilePath(dataDir), 'utf8')) as StackFile;
  } catch {
    return undefined;
  }
  try {
    process.kill(stack.pid, 0);
    return stack;
  } catch {
    return undefined;
  }
}
