import { benchResume, resumeChain } from './resume';
import { startBenchStack } from './stack';

/** `npm run bench`: figures measured side by side in one run; report ratios, not absolute times. */
async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 12);
  const stack = await startBenchStack([resumeChain]);
  try {
    await benchResume(stack, runs);
  } finally {
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
