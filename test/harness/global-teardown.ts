import { rm } from 'node:fs/promises';
import type { TemporalCluster } from '../../src/temporal/cluster';
import type { DevServer } from '../../src/temporal/dev-server';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __holdpointDevServer?: DevServer }).__holdpointDevServer?.stop();
  const cluster = (globalThis as { __holdpointCluster?: TemporalCluster }).__holdpointCluster;
  cluster?.mute();
  await cluster?.stop();
  if (process.env.HOLDPOINT_TEST_DIR && !process.env.HOLDPOINT_TEST_KEEP) {
    await rm(process.env.HOLDPOINT_TEST_DIR, { recursive: true, force: true });
  }
}
