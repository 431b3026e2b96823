import type { HoldpointClient } from '../client';
import { UsageError, type ExitCode } from './exit';
import { parseDuration } from './format';
import type { Progress } from './progress';

/** One option of a command: how parseArgs reads it, and its line in the help. */
export interface OptionDef {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's name in the help (`DUR`, `JSON`). */
  value?: string;
  help: string;
}

export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export interface Context {
  io: Io;
  /** `--json`: machine output on stdout (errors as JSON on stderr). */
  json: boolean;
  /** The client, built on first use (commands that work offline never need the gateway's settings). */
  client(): HoldpointClient;
  /** A line on stdout. */
  out(text: string): void;
  /** A line on stderr. */
  err(text: string): void;
  /** `--json` prints `value`; otherwise `human()` is printed. */
  print(value: unknown, human: () => string): void;
  /** A progress line on stderr (drawn only when stderr is a terminal). */
  progress(): Progress;
}

export interface Command {
  group: string;
  name: string;
  /** Positional arguments as the help shows them: `<run-id>`. */
  args: string;
  summary: string;
  /** More lines for `--help`. */
  details?: string;
  options: Record<string, OptionDef>;
  positionals: { min: number; max: number };
  run(ctx: Context, values: Values, args: string[]): Promise<ExitCode>;
}

export function usageOf(command: Command): string {
  const opts = Object.entries(command.options);
  const lines = [`usage: holdpoint ${command.group} ${command.name}${command.args ? ` ${command.args}` : ''}${opts.length ? ' [options]' : ''}`, '', command.summary];
  if (command.details) lines.push('', command.details);
  if (opts.length) {
    lines.push('', 'Options:');
    const left = opts.map(([name, o]) => `  ${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`);
    const width = Math.max(...left.map((l) => l.length));
    opts.forEach(([, o], i) => lines.push(`${left[i]!.padEnd(width)}  ${o.help}`));
  }
  return lines.join('\n');
}

// ── reading option values (mistakes are usage errors, exit 2) ──

export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function flag(values: Values, name: string): boolean {
  return values[name] === true;
}

export function required(values: Values, name: string, command: Command): string {
  const v = str(values, name);
  if (v === undefined || v === '') throw new UsageError(`--${name} is required`, usageOf(command));
  return v;
}

export function int(values: Values, name: string, min = 1): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`--${name} must be a whole number ≥ ${min}, got "${v}"`);
  return Number(v);
}

export function dur(values: Values, name: string): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  const ms = parseDuration(v);
  if (ms === undefined) throw new UsageError(`--${name} must be a duration like 30s, 500ms, 5m, 1h (or seconds), got "${v}"`);
  return ms;
}

export function json(values: Values, name: string): unknown {
  const v = str(values, name);
  if (v === undefined) return undefined;
  try {
    return JSON.parse(v);
  } catch (err) {
    throw new UsageError(`--${name} must be JSON: ${(err as Error).message}`);
  }
}

export function oneOf<T extends string>(values: Values, name: string, allowed: readonly T[]): T | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

export function list(values: Values, name: string): string[] | undefined {
  const v = values[name];
  const parts = (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
  const out = parts.flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean);
  return out.length ? out : undefined;
}
