import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { bundleWorkflows } from '../workers/worker';

/** `npm run build` step: the workflow bundle production workers load (HOLDPOINT_WORKFLOW_BUNDLE). */
async function main(): Promise<void> {
  const target = resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
  const { code } = await bundleWorkflows();
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, code);
  console.log(`wrote ${target} (${Math.round(code.length / 1024)} KiB)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
