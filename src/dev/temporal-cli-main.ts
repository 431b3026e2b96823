import { spawn } from 'node:child_process';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { ensureTemporalCli } from '../temporal/cli';

/** `npm run temporal -- <args>`: the Temporal CLI holdpoint uses (found or built), with your arguments. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ ...config.log, level: 'info' });
  const cli = await ensureTemporalCli({ explicitPath: config.dev.cliPath, cacheDir: config.dev.cacheDir, logger });
  const child = spawn(cli, process.argv.slice(2), {
    stdio: 'inherit',
    env: { ...process.env, TEMPORAL_ADDRESS: config.temporal.address ?? `127.0.0.1:${config.dev.port}` },
  });
  child.on('exit', (code) => process.exit(code ?? 1));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
