import { resolve } from 'node:path';
import { benchInbox, inboxGate } from './inbox';
import { benchLive, liveChain, liveGate } from './live';
import { benchResume, resumeChain } from './resume';
import { startBenchStack } from './stack';
import { benchStarts } from './starts';
import { benchMemory } from './memory';
import { benchDecisions } from './decisions';
import { benchScale, scaleHold } from './scale';

/**
 * `npm run bench`: figures measured side by side in one run; report ratios, not absolute times.
 * BENCH_ONLY=starts|decisions|memory|resume|inbox|live|scale runs one; BENCH_INBOX_SIZES=1000,10000 sets the inbox sizes.
 */
async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  const sizes = (process.env.BENCH_INBOX_SIZES ?? '1000,10000').split(',').map(Number);
  const stack = await startBenchStack([resumeChain, inboxGate, liveChain, liveGate, scaleHold]);
  try {
    if (!only || only === 'starts') await benchStarts(stack, Number(process.env.BENCH_STARTS ?? 200), Number(process.env.BENCH_CONCURRENCY ?? 16));
    if (!only || only === 'decisions') await benchDecisions(stack, Number(process.env.BENCH_DECISIONS ?? 200), Number(process.env.BENCH_CONCURRENCY ?? 16));
    if (!only || only === 'memory') await benchMemory(stack, Number(process.env.BENCH_MEMORY_RUNS ?? 500));
    if (!only || only === 'resume') await benchResume(stack, Number(process.env.BENCH_RUNS ?? 12));
    if (!only || only === 'live') await benchLive(stack);
    if (!only || only === 'inbox') await benchInbox(stack, sizes);
    // Hours at 100,000 runs: only when asked for.
    if (only === 'scale') {
      const checkpoints = (process.env.BENCH_SCALE_CHECKPOINTS ?? '1000,10000,50000').split(',').map(Number);
      const log = process.env.BENCH_SCALE_LOG ?? resolve(process.env.BENCH_CLUSTER_DIR ?? '.bench', 'scale-checkpoints.jsonl');
      await benchScale(stack, Number(process.env.BENCH_SCALE_RUNS ?? 100_000), checkpoints, Number(process.env.BENCH_CONCURRENCY ?? 16), log);
    }
  } finally {
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
