import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import '../harness/stack'; // installs the quiet test runtime logger

const dir = join(__dirname, 'histories');
const histories = readdirSync(dir).filter((f) => f.endsWith('.json'));

// Recorded histories of the shipped examples must replay against today's workflow code: a failure
// here means a change would break runs already in flight (guard it with patched()).
describe('replay of recorded histories', () => {
  it('has histories to replay', () => {
    expect(histories.length).toBeGreaterThanOrEqual(10);
  });

  it.each(histories)('%s replays without nondeterminism', async (file) => {
    const history = JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown;
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: process.env.HOLDPOINT_TEST_BUNDLE! } }, history as never, `replay-${file}`),
    ).resolves.toBeUndefined();
  });
});
