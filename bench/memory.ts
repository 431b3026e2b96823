import type { BenchStack } from './stack';
import { pooled, startFloor, startHoldpoint } from './starts';

export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** RSS once the process has settled: a collection on this thread, then the lowest of a few reads. */
export async function settledRss(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  let lowest = Infinity;
  for (let i = 0; i < 5; i++) {
    gc?.();
    await new Promise((done) => setTimeout(done, 200));
    lowest = Math.min(lowest, process.memoryUsage().rss);
  }
  return lowest;
}

/**
 * Memory per paused run held in the worker's cache: RSS (gateway + worker + the workflow thread's
 * heap) before and after `runs` more paused runs, for the floor workflow and for holdpoint's lead
 * router. Each run stays in the sticky cache while it waits (the cache holds them all here); a run
 * evicted from it costs nothing until it moves again.
 */
export async function benchMemory(stack: BenchStack, runs: number, concurrency = 16): Promise<void> {
  const startMany = (one: (i: number) => Promise<unknown>) => pooled(runs, concurrency, one);
  const before = await settledRss();
  await startMany(() => startFloor(stack));
  const afterFloor = await settledRss();
  await startMany((i) => startHoldpoint(stack, 500_000 + i));
  const afterHoldpoint = await settledRss();
  const floor = (afterFloor - before) / runs;
  const holdpoint = (afterHoldpoint - afterFloor) / runs;
  console.log(`\nmemory per paused run in the worker's cache (${runs} runs each; RSS of gateway + worker, cache ${stack.worker.worker.options.maxCachedWorkflows})`);
  console.table({
    'floor workflow': { 'RSS per run': mb(floor), total: mb(afterFloor - before) },
    'holdpoint lead-router': { 'RSS per run': mb(holdpoint), total: mb(afterHoldpoint - afterFloor) },
  });
  console.log(`ratio holdpoint / floor: ${(holdpoint / floor).toFixed(2)}×; process RSS now ${mb(afterHoldpoint)}`);
}
