import { bundleWorkflows } from '../../workers/worker';

// What every run evaluates in the workflow sandbox. Libraries outside this list cost each run their
// module evaluation again (zod cost about a fifth of a start's workflow CPU), so a new one is a choice
// made here, with a measurement (npm run bench), not an accident of an import.
const ALLOWED_PACKAGES = ['@temporalio/workflow', '@temporalio/common', '@cfworker/json-schema', '@noble/hashes', 'jsonata', 'nexus-rpc', 'ms', 'long'];

describe('the workflow bundle', () => {
  it('holds only the libraries runs are meant to load (no zod)', async () => {
    const { code } = await bundleWorkflows();
    const modules = [...code.matchAll(/^\/\*\*\*\/ "\.\/node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)].map((m) => m[1]!);
    expect(modules.length).toBeGreaterThan(0);
    expect([...new Set(modules)].filter((p) => !ALLOWED_PACKAGES.includes(p))).toEqual([]);
  }, 60_000);
});
