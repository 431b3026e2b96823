import type { AuditEntry } from '../contracts/run';
import { digestOf } from './digest';

export interface ChainReport {
  run_id: string;
  chain: AuditEntry['chain'];
  entries: number;
  /** The last entry's hash: anchor it elsewhere to detect a truncated trail. */
  head: string | null;
}

export interface ChainProblem {
  run_id: string;
  chain: AuditEntry['chain'];
  seq: number;
  problem: string;
}

export interface ChainVerification {
  ok: boolean;
  chains: ChainReport[];
  problems: ChainProblem[];
}

/**
 * Recomputes every entry's hash and checks each links to the one before, per (run, chain). An edited,
 * removed or reordered entry shows up as a problem naming its sequence number.
 */
export function verifyChain(entries: readonly AuditEntry[]): ChainVerification {
  const groups = new Map<string, AuditEntry[]>();
  for (const entry of entries) {
    const key = `${entry.run_id}\u0000${entry.chain}`;
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  const chains: ChainReport[] = [];
  const problems: ChainProblem[] = [];
  for (const group of groups.values()) {
    const sorted = [...group].sort((a, b) => a.seq - b.seq);
    const { run_id, chain } = sorted[0]!;
    let previous: string | null = null;
    sorted.forEach((entry, index) => {
      const at = (problem: string) => problems.push({ run_id, chain, seq: entry.seq, problem });
      if (entry.seq !== index + 1) at(`expected entry ${index + 1} here, found ${entry.seq}: an entry is missing`);
      if (entry.prev_hash !== previous) at(`prev_hash ${entry.prev_hash ?? 'null'} does not match the previous entry's hash ${previous ?? 'null'}`);
      const { hash, ...body } = entry;
      const recomputed = digestOf(body);
      if (recomputed !== hash) at(`hash ${hash} does not match the entry's content (${recomputed}): the entry was changed`);
      previous = hash;
    });
    chains.push({ run_id, chain, entries: sorted.length, head: previous });
  }
  return { ok: problems.length === 0, chains, problems };
}
