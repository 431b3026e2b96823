import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');

// Issue 9: the rooms hold at run time too, not only in lint: loading the gateway (every face, the
// core, the Temporal client) never loads the worker SDK or any workflow or worker code.
describe('what the gateway loads', () => {
  it('loads api/app and api/main without @temporalio/worker, workers/ or src/workflows', async () => {
    const probe = `
      require('./api/app');
      require('./api/server');
      const loaded = Object.keys(require.cache);
      const bad = loaded.filter((f) => /node_modules[\\\\/]@temporalio[\\\\/]worker[\\\\/]|[\\\\/]workers[\\\\/]|[\\\\/]src[\\\\/]workflows[\\\\/]/.test(f));
      process.stdout.write(JSON.stringify({ count: loaded.length, bad }));
    `;
    const { stdout } = await run(process.execPath, ['--require', 'tsx/cjs', '-e', probe], { cwd: root, timeout: 60_000 });
    const result = JSON.parse(stdout) as { count: number; bad: string[] };
    expect(result.bad).toEqual([]);
    // It did load the gateway (so the check is about something).
    expect(result.count).toBeGreaterThan(100);
  }, 90_000);
});
