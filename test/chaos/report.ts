import type { Logger } from '../../src/logger';
import type { Topology } from './topology';

/** What a drill gets: the topology, the load size, its deadline. */
export interface DrillContext {
  topology: Topology;
  runs: number;
  /** Milliseconds since the epoch by which the drill must be over. */
  deadline: number;
  logger: Logger;
}

/** One drill's figures and findings. */
export interface DrillResult {
  name: string;
  backend: string;
  runs: number;
  /** Runs that ended as they should (status, result, decision, side effects). */
  asExpected: number;
  decisions: { sent: number; applied: number; refused: number; inHistory: number };
  /** Decisions applied twice, effects applied twice for one step, runs started twice: must be 0. */
  duplicates: number;
  /** Task handler attempts vs effects the ledger applied (a repeat call for a key is deduped). */
  attempts: number;
  effects: number;
  /** From the fault to the system doing the interrupted work again (see each drill's note). */
  recoverMs: number | undefined;
  wallMs: number;
  /** Drill-specific figures, one line each. */
  notes: string[];
  /** Not a failed check, but not right either (a 500 answered and retried). */
  warnings: string[];
  /** Failed checks; empty when the drill passed. */
  problems: string[];
}

export interface Drill {
  name: string;
  /** What the drill does, for the log. */
  title: string;
  /** The backend it runs on. */
  backend: 'cluster' | 'dev';
  /** Whether it restarts the backend (not possible on a server the drill does not own). */
  ownsBackend?: boolean;
  run(ctx: DrillContext): Promise<DrillResult>;
}

/** The summary table, one row per drill. */
export function summaryTable(results: readonly DrillResult[]): string {
  const header = ['drill', 'backend', 'runs ok', 'dec sent', 'applied', 'refused', 'in hist', 'dups', 'attempts/effects', 'recover', 'wall', 'result'];
  const rows = results.map((r) => [
    r.name,
    r.backend,
    `${r.asExpected}/${r.runs}`,
    String(r.decisions.sent),
    String(r.decisions.applied),
    String(r.decisions.refused),
    String(r.decisions.inHistory),
    String(r.duplicates),
    `${r.attempts}/${r.effects}`,
    r.recoverMs === undefined ? '-' : seconds(r.recoverMs),
    seconds(r.wallMs),
    r.problems.length === 0 ? 'PASS' : `FAIL (${r.problems.length})`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
