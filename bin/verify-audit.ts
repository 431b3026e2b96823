import { readFile } from 'node:fs/promises';
import { AuditEntry } from '../src/contracts/run';
import { loadConfig } from '../src/config';
import { verifyRunAudit, type AuditReport } from '../src/core/audit-verify';
import { verifyChain } from '../src/lib/audit-chain';
import { createLogger } from '../src/logger';
import { connectClient } from '../src/temporal/connection';

const USAGE = `usage:
  npm run audit:verify -- <run_id>        verify a run's trail against its Temporal history
                                          (TEMPORAL_ADDRESS, or the local dev server)
  npm run audit:verify -- --file <path>   verify an exported trail: the body of
                                          GET /v1/workflow-runs/{id}/audit, or its "entries"`;

/** Verifies audit trails: hash chains, and (for a live run) every decision against history. */
async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.length === 0 || args.includes('--help')) {
    console.log(USAGE);
    return args.length === 0 ? 2 : 0;
  }
  if (args[0] === '--file') {
    if (!args[1]) throw new Error(USAGE);
    const raw = JSON.parse(await readFile(args[1], 'utf8')) as unknown;
    const list = Array.isArray(raw) ? raw : (raw as { entries?: unknown }).entries;
    const entries = AuditEntry.array().parse(list);
    return print(args[1], { ...verifyChain(entries), history: { ok: true, received: 0, problems: [] } }, false);
  }
  const config = loadConfig();
  const address = config.temporal.address ?? `127.0.0.1:${config.dev.port}`;
  const client = await connectClient({ ...config.temporal, address }, createLogger({ level: 'warn', format: 'pretty' }), 10_000);
  try {
    return print(args[0]!, await verifyRunAudit(client, args[0]!), true);
  } finally {
    await client.connection.close();
  }
}

function print(subject: string, report: AuditReport, withHistory: boolean): number {
  for (const chain of report.chains) {
    console.log(`${chain.run_id} ${chain.chain} chain: ${chain.entries} entries, head ${chain.head ?? '(empty)'}`);
  }
  for (const p of report.problems) console.log(`  BROKEN ${p.chain} #${p.seq}: ${p.problem}`);
  if (withHistory) {
    console.log(`history: ${report.history.received} decisions received`);
    for (const p of report.history.problems) console.log(`  MISMATCH ${p}`);
  }
  const ok = report.ok && report.history.ok;
  console.log(ok ? `OK: the audit trail of ${subject} is intact${withHistory ? ' and matches its history' : ''}` : `FAILED: the audit trail of ${subject} does not verify`);
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
