import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

/**
 * The rooms of the house (STYLE.md, eslint.config.mjs) are kept by lint rules. Probe files that break
 * each rule are written inside the repository (the rules are scoped by path), linted with the project's
 * own configuration, and removed: each must be refused by the rule that keeps that boundary, and a
 * probe that breaks nothing must pass.
 *
 * ESLint's Node API runs in a child Node process: it loads eslint.config.mjs with a dynamic import(),
 * which Jest's module sandbox refuses without --experimental-vm-modules.
 */

const repoRoot = resolve(__dirname, '../..');
const tag = `lint-probe-${process.pid}-${randomBytes(4).toString('hex')}`;
const probeDirs = [`src/${tag}`, `api/${tag}`, `src/contracts/${tag}`, `src/workflows/${tag}`];

/** Probe file (relative to the repo) → its source. Every import is used, so only the boundary rules can object. */
const probes: Record<string, string> = {
  [`src/${tag}/reaches-api.ts`]: `import * as gateway from '../../api/errors';\nexport const probe = gateway;\n`,
  [`src/${tag}/reaches-workers.ts`]: `import * as worker from '../../workers/worker';\nexport const probe = worker;\n`,
  [`src/${tag}/loads-worker-sdk.ts`]: `import { Worker } from '@temporalio/worker';\nexport const probe = Worker;\n`,
  [`src/${tag}/cycle-a.ts`]: `import { b } from './cycle-b';\nexport const a = (): number => b() + 1;\n`,
  [`src/${tag}/cycle-b.ts`]: `import { a } from './cycle-a';\nexport const b = (): number => (a.length > 0 ? 1 : 0);\n`,
  [`src/${tag}/clean.ts`]: `import { digestOf } from '../lib/digest';\nexport const probe = (value: unknown): string => digestOf(value);\n`,
  [`api/${tag}/loads-worker-sdk.ts`]: `import { Worker } from '@temporalio/worker';\nexport const probe = Worker;\n`,
  [`api/${tag}/reaches-workflows.ts`]: `import * as workflows from '../../src/workflows/outcomes';\nexport const probe = workflows;\n`,
  [`api/${tag}/clean.ts`]: `import { ErrorType } from '../../src/contracts/errors';\nexport const probe = ErrorType.NotFound;\n`,
  [`src/contracts/${tag}/reaches-core.ts`]: `import { newRunId } from '../../core/ids';\nexport const probe = newRunId;\n`,
  [`src/workflows/${tag}/uses-fs.ts`]: `import { readFileSync } from 'node:fs';\nexport const probe = readFileSync;\n`,
  [`src/workflows/${tag}/reaches-activities.ts`]: `import * as tasks from '../../activities/tasks';\nexport const probe = tasks;\n`,
};

/** What each probe must be refused for: rule id and a fragment of the rule's message (none: it must pass). */
const expected: Record<string, { rule: string; message: RegExp } | null> = {
  [`src/${tag}/reaches-api.ts`]: { rule: 'import-x/no-restricted-paths', message: /src\/ is the core every room shares: it must not import api\/, workers\/ or bin\// },
  [`src/${tag}/reaches-workers.ts`]: { rule: 'import-x/no-restricted-paths', message: /must not import api\/, workers\/ or bin\// },
  [`src/${tag}/loads-worker-sdk.ts`]: { rule: 'import-x/no-restricted-paths', message: /only workers\/ .* load @temporalio\/worker/ },
  [`src/${tag}/cycle-a.ts`]: { rule: 'import-x/no-cycle', message: /Dependency cycle detected/ },
  [`src/${tag}/cycle-b.ts`]: { rule: 'import-x/no-cycle', message: /Dependency cycle detected/ },
  [`src/${tag}/clean.ts`]: null,
  [`api/${tag}/loads-worker-sdk.ts`]: { rule: 'import-x/no-restricted-paths', message: /only workers\/ .* load @temporalio\/worker: the gateway and the core run without the worker SDK/ },
  [`api/${tag}/reaches-workflows.ts`]: { rule: 'no-restricted-imports', message: /api\/ must not import workflow or activity code/ },
  [`api/${tag}/clean.ts`]: null,
  [`src/contracts/${tag}/reaches-core.ts`]: { rule: 'no-restricted-imports', message: /src\/contracts imports nothing of ours but other contracts/ },
  [`src/workflows/${tag}/uses-fs.ts`]: { rule: 'no-restricted-imports', message: /'node:fs' import is restricted.*Workflow-reachable code must not use Node built-ins/ },
  [`src/workflows/${tag}/reaches-activities.ts`]: { rule: 'no-restricted-imports', message: /Workflow-reachable code must not import host code/ },
};

interface ProbeResult {
  filePath: string;
  messages: { ruleId: string | null; message: string }[];
}

/** One ESLint (slow to start: the type-aware rules load the whole project) and one pass over every file. */
const LINT = `
const { ESLint } = require('eslint');
(async () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const results = await eslint.lintFiles(JSON.parse(process.argv[1]));
  process.stdout.write(JSON.stringify(results.map((r) => ({ filePath: r.filePath, messages: r.messages.map((m) => ({ ruleId: m.ruleId, message: m.message })) }))));
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
`;

async function lint(files: string[]): Promise<ProbeResult[]> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', LINT, JSON.stringify(files)], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as ProbeResult[];
}

describe('lint keeps the boundaries between the rooms', () => {
  const results = new Map<string, ProbeResult>();

  beforeAll(async () => {
    for (const [file, source] of Object.entries(probes)) {
      await mkdir(dirname(join(repoRoot, file)), { recursive: true });
      await writeFile(join(repoRoot, file), source);
    }
    for (const result of await lint(Object.keys(probes))) results.set(relative(repoRoot, result.filePath), result);
  }, 120_000);

  afterAll(async () => {
    for (const dir of probeDirs) await rm(join(repoRoot, dir), { recursive: true, force: true });
  });

  it('linted every probe', () => {
    expect([...results.keys()].sort()).toEqual(Object.keys(probes).sort());
  });

  it.each(Object.entries(expected).map(([file, want]) => [file.replace(tag, '<probe>'), file, want] as const))('%s', (_label, file, want) => {
    const messages = results.get(file)!.messages.map((m) => ({ rule: m.ruleId, message: m.message }));
    if (want === null) return void expect(messages).toEqual([]);
    expect(messages).toContainEqual({ rule: want.rule, message: expect.stringMatching(want.message) });
    // Refused for the boundary only: no other rule (a parse error, an unused import) stands in for it.
    expect(messages.filter((m) => m.rule !== want.rule)).toEqual([]);
  });
});
