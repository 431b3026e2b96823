import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../src/temporal/dev-server';

/**
 * `npm run fuzz`: Schemathesis against the gateway's own OpenAPI document. A throwaway dev stack
 * (its own ports, its own data directory: never `.data/`) is started, every operation is sent
 * generated requests, valid and invalid, with the local admin key, and each answer is checked: no
 * 5xx, every status one the operation documents, every JSON body the schema it documents.
 *
 * HOLDPOINT_FUZZ_EXAMPLES bounds the generated cases per operation and phase (default 10);
 * HOLDPOINT_FUZZ_SEED replays a run; extra arguments go to `schemathesis run` as they are
 * (`npm run fuzz -- --include-path-regex '^/v1/'`).
 */

const ROOT = resolve(__dirname, '..');
/** Pinned, and cached in `.clients/schemathesis` beside the vendors' clients (git ignores it). */
const SCHEMATHESIS = 'schemathesis==4.32.5';
const CHECKS = ['not_a_server_error', 'status_code_conformance', 'response_schema_conformance'];
const STACK_START_MS = 240_000;

interface Operation {
  id: string;
  method: string;
  path: string;
  why?: string;
}

async function main(): Promise<number> {
  const examples = process.env.HOLDPOINT_FUZZ_EXAMPLES ?? '10';
  const schemathesis = await ensureSchemathesis();
  const dir = await mkdtemp(join(tmpdir(), 'holdpoint-fuzz-'));
  const stack = await startStack(dir);
  let failed = true;
  try {
    const document = (await (await fetch(`${stack.url}/openapi.json`)).json()) as OpenApi;
    const operations = operationsOf(document);
    const skipped = operations.filter((op) => op.why);
    const args = [
      'run',
      `${stack.url}/openapi.json`,
      '--header',
      `X-API-Key: ${stack.adminKey}`,
      '--checks',
      CHECKS.join(','),
      '--max-examples',
      examples,
      '--phases',
      'examples,coverage,fuzzing',
      '--workers',
      '1',
      '--request-timeout',
      '30',
      '--generation-with-security-parameters',
      'false',
      '--generation-database',
      'none',
      '--suppress-health-check',
      'all',
      '--no-color',
      '--report',
      'json',
      '--report-json-path',
      join(dir, 'report.json'),
      ...(process.env.HOLDPOINT_FUZZ_SEED ? ['--seed', process.env.HOLDPOINT_FUZZ_SEED] : []),
      ...skipped.flatMap((op) => ['--exclude-operation-id', op.id]),
      ...process.argv.slice(2),
    ];
    console.log(`\n$ schemathesis ${args.map((a) => (a.startsWith('X-API-Key') ? 'X-API-Key: <admin key>' : a)).join(' ')}\n`);
    const code = await runInherit(schemathesis, args, dir);
    const report = existsSync(join(dir, 'report.json')) ? (JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as Report) : undefined;
    printSummary(operations, skipped, report, code, stack.log);
    failed = code !== 0;
    return code === 0 ? 0 : 1;
  } finally {
    await stack.stop();
    if (!failed) await rm(dir, { recursive: true, force: true });
    else console.log(`kept ${dir} (the stack's log and the JSON report)`);
  }
}

/** The venv's schemathesis, installed from PyPI on first use. */
async function ensureSchemathesis(): Promise<string> {
  const venv = join(ROOT, '.clients', 'schemathesis');
  const bin = join(venv, 'bin', 'schemathesis');
  const marker = join(venv, '.holdpoint-spec');
  if (existsSync(bin) && existsSync(marker) && (await readFile(marker, 'utf8')).trim() === SCHEMATHESIS) return bin;
  console.log(`installing ${SCHEMATHESIS} from PyPI into ${venv} (first run only)`);
  await rm(venv, { recursive: true, force: true });
  await mkdir(join(ROOT, '.clients'), { recursive: true });
  await runQuiet(process.env.HOLDPOINT_PYTHON ?? 'python3', ['-m', 'venv', venv]);
  await runQuiet(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', SCHEMATHESIS]);
  await writeFile(marker, `${SCHEMATHESIS}\n`);
  return bin;
}

interface Stack {
  url: string;
  adminKey: string;
  log: string;
  stop: () => Promise<void>;
}

/** `npm start`'s entry point as a child, on free ports, with `dir` as its data directory. */
async function startStack(dir: string): Promise<Stack> {
  const [port, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
  const log = join(dir, 'stack.log');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    TEMPORAL_DEV_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(uiPort),
    HOLDPOINT_DATA_DIR: dir,
    // Start and resume long-poll for the next pause; a short default keeps each request short.
    HOLDPOINT_DEFAULT_WAIT: '2s',
    LOG_FORMAT: 'json',
  };
  for (const name of ['TEMPORAL_ADDRESS', 'HOLDPOINT_API_KEYS', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']) delete env[name];
  console.log(`starting a dev stack in ${dir} (gateway on port ${port})`);
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'bin', 'main.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = createWriteStream(log);
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const stop = () => stopChild(child, exited);
  try {
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`the stack did not start within ${STACK_START_MS / 1000}s; see ${log}`)), STACK_START_MS);
      let seen = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        seen = (seen + chunk.toString()).slice(-4_000);
        if (seen.includes('holdpoint is running')) {
          clearTimeout(timer);
          ready();
        }
      });
      void exited.then((code) => {
        clearTimeout(timer);
        fail(new Error(`the stack exited (${code}) before it was ready; see ${log}`));
      });
    });
    const keys = JSON.parse(await readFile(join(dir, 'dev-api-keys.json'), 'utf8')) as { key: string; roles: string[] }[];
    const admin = keys.find((k) => k.roles.includes('admin'));
    if (!admin) throw new Error('the local keys have no admin key');
    return { url: `http://127.0.0.1:${port}`, adminKey: admin.key, log, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

interface OpenApi {
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, { content?: Record<string, unknown> }> }>>;
}

/**
 * Every operation, with why it is skipped where it is: a live event stream answers nothing until its
 * run moves (generated requests would only time out), and Slack's interactions need a signed body
 * Schemathesis cannot forge (every request is the same 401).
 */
function operationsOf(document: OpenApi): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const ok = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
      const streamOnly = ok.length > 0 && ok.every(([, r]) => r.content !== undefined && Object.keys(r.content).every((type) => type === 'text/event-stream'));
      const why = streamOnly ? 'live event stream' : path.startsWith('/integrations/slack') ? 'Slack (signed body)' : undefined;
      return { id: op.operationId, method: method.toUpperCase(), path, ...(why ? { why } : {}) };
    }),
  );
}

interface Report {
  schemathesis_version: string;
  seed: number | null;
  running_time: number;
  operations: { selected: number; tested: number; errored: number; skipped: number } | null;
  test_cases: { generated: number; with_failures: number; unique_failures: number; errored: number };
  failures: { title: string; count: number; operations: string[] }[];
  errors: { title: string; count: number }[];
}

function printSummary(operations: Operation[], skipped: Operation[], report: Report | undefined, code: number, log: string): void {
  const lines = ['', 'holdpoint fuzz summary'];
  if (!report) lines.push(`  schemathesis exited ${code} without a report; see its output above`);
  else {
    const ops = report.operations;
    lines.push(
      `  schemathesis ${report.schemathesis_version}, seed ${report.seed ?? '-'}, ${Math.round(report.running_time)}s`,
      `  operations   ${operations.length} documented, ${ops?.selected ?? '?'} selected, ${ops?.tested ?? '?'} tested, ${ops?.errored ?? 0} errored`,
      `  test cases   ${report.test_cases.generated} generated, ${report.test_cases.with_failures} with failures (${report.test_cases.unique_failures} unique), ${report.test_cases.errored} errored`,
      `  checks       ${CHECKS.join(', ')}`,
    );
    if (report.failures.length === 0) lines.push('  failures     none');
    for (const f of report.failures) lines.push(`  failure      ${f.title}: ${f.count} (${f.operations.join(', ')})`);
    for (const e of report.errors) lines.push(`  error        ${e.title}: ${e.count}`);
  }
  for (const op of skipped) lines.push(`  skipped      ${op.method} ${op.path} (${op.why})`);
  lines.push(`  stack log    ${log}`, '');
  console.log(lines.join('\n'));
}

function runInherit(command: string, args: string[], cwd: string): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', fail);
    child.on('close', (code) => done(code ?? 1));
  });
}

function runQuiet(command: string, args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', (err) => fail(new Error(`${command} could not run (${err.message}); is Python 3.11+ installed? (HOLDPOINT_PYTHON names another)`)));
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`${command} ${args.join(' ')} failed (exit ${code}):\n${output.slice(-3_000)}`))));
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`\nfuzz: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
