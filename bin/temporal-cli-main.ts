import { spawn } from 'node:child_process';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { cachedCliPath, ensureTemporalCli } from '../src/temporal/cli';
import { readStackFile, stackFilePath } from './stack-file';

/**
 * `npm run temporal -- <args>`: the Temporal CLI holdpoint uses (found or built), aimed at the same
 * Temporal as `npm start`: TEMPORAL_ADDRESS, else the running stack's dev server (from
 * `.data/stack.json`), else the dev server's default port. `--address`/`--namespace` in the arguments win.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  // Notes go to stderr: stdout is the CLI's own output (`-o json` stays parseable).
  const logger = createLogger({ ...config.log, level: 'info', stream: 'stderr' });
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const args = process.argv.slice(2);

  if (!config.dev.cliPath && !(await cachedCliPath(config.dev.cacheDir))) {
    say('The Temporal CLI is not built yet on this machine: building it now (first time only; a few minutes, with progress below).');
  }
  const cli = await ensureTemporalCli({ explicitPath: config.dev.cliPath, cacheDir: config.dev.cacheDir, logger });

  const env: NodeJS.ProcessEnv = { ...process.env };
  const given = (flag: string) => args.some((a) => a === flag || a.startsWith(`${flag}=`));
  if (!given('--address')) {
    if (config.temporal.address) {
      env.TEMPORAL_ADDRESS = config.temporal.address;
    } else {
      const stack = await readStackFile(config.dev.dataDir);
      if (stack) {
        env.TEMPORAL_ADDRESS = stack.temporal_address;
        if (!given('--namespace') && !process.env.TEMPORAL_NAMESPACE) env.TEMPORAL_NAMESPACE = stack.namespace;
      } else {
        env.TEMPORAL_ADDRESS = `127.0.0.1:${config.dev.port}`;
        say(`No running holdpoint stack found (${stackFilePath(config.dev.dataDir)}); using ${env.TEMPORAL_ADDRESS}. Start one with \`npm start\`, or set TEMPORAL_ADDRESS.`);
      }
    }
  }
  const child = spawn(cli, args, { stdio: 'inherit', env });
  child.on('exit', (code) => process.exit(code ?? 1));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
