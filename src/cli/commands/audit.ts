import type { AuditEntry, ChainVerification } from '../../client';
import { verifyChain } from '../../lib/audit-chain';
import { int, str, type Command } from '../command';
import { CliFailure, Exit, UsageError } from '../exit';
import { table } from '../format';

interface Verified {
  run_id: string;
  ok: boolean;
  /** What the gateway says of the chains. */
  gateway: ChainVerification;
  /** The chains recomputed here from the entries the gateway sent (trusting nothing it concluded). */
  local: ChainVerification;
}

const verify: Command = {
  group: 'audit',
  name: 'verify',
  args: '[run-id...]',
  summary: "Verify runs' hash-chained audit trails: recomputed here, and as the gateway sees them.",
  details: 'Name runs, or pick them from the audit log with --workflow / --since (at most --max-runs).\nExit 1 when any chain does not verify.',
  options: {
    workflow: { type: 'string', value: 'NAME', help: 'runs of this workflow with audit entries' },
    since: { type: 'string', value: 'TIME', help: 'runs with audit entries since (ISO 8601)' },
    'max-runs': { type: 'string', value: 'N', help: 'verify at most N runs picked from the log (default 20)' },
  },
  positionals: { min: 0, max: 100 },
  async run(ctx, values, args) {
    const client = ctx.client();
    let runIds = args;
    if (runIds.length === 0) {
      const workflow = str(values, 'workflow');
      const since = str(values, 'since');
      if (!workflow && !since) throw new UsageError('name a run, or pick runs with --workflow or --since');
      const max = int(values, 'max-runs') ?? 20;
      const seen = new Set<string>();
      for await (const entry of client.audit.list({ ...(workflow ? { workflow } : {}), ...(since ? { since } : {}), limit: 50 })) {
        seen.add(entry.run_id);
        if (seen.size >= max) break;
      }
      runIds = [...seen];
    }
    const results: Verified[] = [];
    for (const runId of runIds) {
      const trail = await client.audit.verify(runId);
      const local = verifyChain(trail.entries as AuditEntry[]);
      results.push({ run_id: runId, ok: trail.verification.ok && local.ok, gateway: trail.verification, local });
    }
    ctx.print(results, () => {
      if (results.length === 0) return 'No runs to verify.';
      const rows = results.flatMap((r) =>
        r.local.chains.length === 0
          ? [[r.run_id, '-', 0, '-', r.gateway.ok ? 'ok' : 'BROKEN', r.local.ok ? 'ok' : 'BROKEN']]
          : r.local.chains.map((c) => [r.run_id, c.chain, c.entries, c.head ?? '-', r.gateway.ok ? 'ok' : 'BROKEN', r.local.ok ? 'ok' : 'BROKEN']),
      );
      const problems = results.flatMap((r) => [...r.local.problems.map((p) => `  ${p.run_id} ${p.chain} #${p.seq}: ${p.problem}`), ...r.gateway.problems.map((p) => `  (gateway) ${p.run_id} ${p.chain} #${p.seq}: ${p.problem}`)]);
      const bad = results.filter((r) => !r.ok).length;
      return [
        table(['RUN', 'CHAIN', 'ENTRIES', 'HEAD', 'GATEWAY', 'LOCAL'], rows, 80),
        ...(problems.length ? ['', 'Problems:', ...problems] : []),
        '',
        bad === 0 ? `OK: ${results.length} trail(s) verify` : `FAILED: ${bad} of ${results.length} trail(s) do not verify`,
      ].join('\n');
    });
    if (results.some((r) => !r.ok)) throw new CliFailure('an audit trail does not verify', Exit.Refused, true);
    return Exit.Ok;
  },
};

export const auditCommands: Command[] = [verify];
