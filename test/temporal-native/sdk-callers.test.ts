import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import puppeteer from 'puppeteer-core';
import { messageSchemaFiles } from '../../src/contracts/message-schemas';
import type { RunInput } from '../../src/contracts/run';
import { RUN_BEHAVIOR, RUN_WORKFLOW_TYPE } from '../../src/contracts/temporal';
import { definition, echo, testHandlers } from '../harness/definitions';
import { runPythonScript } from '../harness/python-clients';
import { closed, eventually, start, startStack, type TestStack } from '../harness/stack';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Where the browser test leaves its screenshots (kept after the run; .data is not committed). */
const SHOTS = join(__dirname, '..', '..', '.data', 'screenshots');

/** Runs a command; its exit code and what it printed. */
function exec(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const summaryOf = (event: HistoryEvent): string | undefined =>
  event.userMetadata?.summary ? (defaultPayloadConverter.fromPayload(event.userMetadata.summary as never) as string) : undefined;

// Issue 12: callers that never touch REST (another SDK, the temporal CLI) and operators in the Web UI.
describe('Temporal-native callers and operators', () => {
  let stack: TestStack;
  const cli = process.env.HOLDPOINT_TEST_CLI!;
  beforeAll(async () => {
    stack = await startStack({
      handlers: testHandlers().handlers,
      definitions: [
        definition('tn-approval', [
          {
            name: 'approval',
            type: 'confirmation',
            message: 'Approve the discount for {{ task }}?',
            assignees: ['group:sales-ops'],
            timeout: '2h',
            on_timeout: 'reject',
            reject_requires_comment: true,
            escalation: { remind_after: '1h' },
          },
          echo('after', 'steps.approval.decision.value'),
        ]),
      ],
    });
  });
  afterAll(() => stack.stop());

  const temporalCli = (...args: string[]) => exec(cli, [...args, '--address', stack.address, '--namespace', 'default']);
  const begin = async (task = 'acme') => (await start(stack, 'tn-approval', { input: { task } }).expect(200)).body.run_id as string;

  it('takes decisions as SDKs send them: null for unset fields, group:-prefixed groups; unknown fields refused by name, without stack traces', async () => {
    const runId = await begin();
    const decision = { request_id: null, step: 'approval', value: 'approve', action: null, comment: null, by: 'crm-service', groups: ['group:sales-ops'], digest: null, idempotency_key: null, wait_ms: 5000 };
    const updated = await temporalCli('workflow', 'update', 'execute', '-o', 'json', '--workflow-id', runId, '--name', 'decide', '--input', JSON.stringify(decision));
    expect(updated.stderr).toBe('');
    expect(updated.code).toBe(0);
    const view = JSON.parse(updated.stdout) as { result: { status: string; steps: Array<{ decision?: { by: string } }> } };
    expect(view.result.status).toBe('completed');
    expect(view.result.steps[0]!.decision).toMatchObject({ by: 'crm-service' });

    const other = await begin();
    const refused = await temporalCli('workflow', 'update', 'execute', '-o', 'json', '--workflow-id', other, '--name', 'decide', '--input', JSON.stringify({ requst_id: 'x', step: 'approval', value: 'approve', by: 'crm-service', groups: ['sales-ops'] }));
    expect(refused.code).not.toBe(0);
    // The CLI logs the failure's message (escaping its quotes).
    expect(refused.stderr).toMatch(/unknown field \\*"requst_id\\*"; this message takes request_id, step, value/);
    expect(refused.stderr).not.toMatch(/\.ts:\d+|\.js:\d+|\bat [A-Za-z_.]+ \(/);
    const wrongGroup = await temporalCli('workflow', 'update', 'execute', '-o', 'json', '--workflow-id', other, '--name', 'decide', '--input', JSON.stringify({ step: 'approval', value: 'approve', by: 'x', groups: ['user:bob'] }));
    expect(wrongGroup.stderr).toMatch(/groups\.0: is a principal \(\\*"user:…\\*"\): name the decider in \\*"by/);

    // A signal with nulls decides too.
    const signalled = await temporalCli('workflow', 'signal', '--workflow-id', other, '--name', 'decide', '--input', JSON.stringify({ ...decision, comment: 'signalled, with nulls' }));
    expect(signalled.code).toBe(0);
    expect(await closed(stack.client, other)).toBe('COMPLETED');
  });

  it('lets a signal sender wait for the outcome, 50 times over, from Python (update, or the query once the run has closed)', async () => {
    const runs: string[] = [];
    for (let i = 0; i < 50; i++) runs.push(await begin(`customer-${i}`));
    const { results } = await runPythonScript(process.env.HOLDPOINT_TEST_PY_TEMPORAL!, join(__dirname, '..', 'clients', 'temporal', 'signal_then_wait.py'), { address: stack.address, runs: runs.join(',') }, 300_000);
    expect(results).toHaveLength(50);
    for (const [i, r] of results.entries()) {
      expect(r).toMatchObject({ run_id: runs[i], status: 'completed', decided_by: 'crm-service', comment: 'auto-approved by the CRM' });
    }
  });

  it('publishes a JSON Schema of every message, current with the contracts, and serves it', async () => {
    const files = messageSchemaFiles();
    for (const [name, content] of Object.entries(files)) {
      expect(await readFile(join(__dirname, '..', '..', 'src', 'contracts', 'schemas', name), 'utf8').catch(() => `missing: run npm run schemas`)).toBe(content);
    }
    const index = await stack.http().get('/schemas/messages.json').expect(200);
    expect(Object.keys(index.body.messages)).toEqual(['decide', 'awaitSettled', 'requestCancel', 'setPermissionMode', 'getRun', 'getEvents', 'getAudit']);
    const decide = await stack.http().get('/schemas/messages/decide.input.schema.json').expect(200);
    expect(JSON.parse(decide.text)).toMatchObject({ type: 'object', additionalProperties: false, properties: { request_id: { anyOf: [{ type: 'string' }, { type: 'null' }] } } });
    await stack.http().get('/schemas/messages/nope.json').expect(404);
  });

  it('reads as a console: a current-details list with a decide command that works as written, named timers, refused signals and cancellations in the history', async () => {
    const runId = await begin('globex');
    const metadata = await temporalCli('workflow', 'metadata', '-o', 'json', '--workflow-id', runId);
    expect(metadata.code).toBe(0);
    const details = (JSON.parse(metadata.stdout) as { queryResult: Array<{ currentDetails: string }> }).queryResult[0]!.currentDetails;
    expect(details).toContain('**Waiting for a decision** at step `approval` (confirmation)');
    expect(details).toContain('- **Who may decide:** group:sales-ops (send `"groups": ["sales-ops"]`)');
    expect(details).toMatch(/- \*\*Times out:\*\* \S+ \(2h after it opened\), then: `reject`/);
    expect(details).toContain('- **Rule:** a rejection must say why (`comment`)');
    // The details say where the run is; the SDK's per-promise stacks are not kept (src/workflows/stack-traces.ts).
    expect(await stack.client.workflow.getHandle(runId).query<string>('__stack_trace')).toBe('');
    // The decide command in the details works exactly as written (with a name in place of the placeholder).
    const command = /temporal workflow update execute -o json \\\n {2}--workflow-id (\S+) \\\n {2}--name decide --input '([^']+)'/.exec(details)!;
    expect(command[1]).toBe(runId);
    const asShown = JSON.parse(command[2]!.replace('<your name>', 'ops-on-call')) as Record<string, unknown>;
    expect(asShown).toMatchObject({ value: 'approve', groups: ['sales-ops'] });

    // The list column: the step the run waits at.
    await eventually(async () => {
      const listed = await temporalCli('workflow', 'list', '-o', 'json', '--query', `WorkflowId = '${runId}' AND HoldpointStep = 'approval'`);
      expect(JSON.parse(listed.stdout || '[]')).toHaveLength(1);
    });

    // A refused signal is visible in the history, as a marker with a summary.
    await temporalCli('workflow', 'signal', '--workflow-id', runId, '--name', 'decide', '--input', JSON.stringify({ step: 'approval', value: 'maybe', by: 'ops-on-call', groups: ['sales-ops'] }));
    const history = async () => (await stack.client.workflow.getHandle(runId).fetchHistory()).events ?? [];
    await eventually(async () => {
      const markers = (await history()).filter((e) => e.markerRecordedEventAttributes).map(summaryOf);
      expect(markers).toContainEqual(expect.stringMatching(/^decide signal refused \(invalid_decision\) from ops-on-call: step "approval": value must be one of "approve", "reject"/));
    });
    const timers = (await history()).filter((e) => e.timerStartedEventAttributes).map(summaryOf);
    expect(timers).toEqual(expect.arrayContaining([expect.stringMatching(/^run lifetime/), `reminder for step approval (${runId}.approval.1)`]));

    // Decide as the details say, then a second run cancelled: who and why are in its history.
    const decided = await temporalCli('workflow', 'update', 'execute', '-o', 'json', '--workflow-id', runId, '--name', 'decide', '--input', JSON.stringify(asShown));
    expect(decided.code).toBe(0);
    const cancelled = await begin('initech');
    await stack.http('ops').delete(`/v1/workflow-runs/${cancelled}`).send({ reason: 'customer withdrew' }).expect(200);
    const cancelHistory = (await stack.client.workflow.getHandle(cancelled).fetchHistory()).events ?? [];
    expect(cancelHistory.filter((e) => e.markerRecordedEventAttributes).map(summaryOf)).toContain('cancelled by ops: customer withdrew');
  });

  it('leaves a run of a newer behavior than the worker knows to a newer worker: its workflow task fails and is retried, the run stays open', async () => {
    const model = await begin('umbrella');
    const started = ((await stack.client.workflow.getHandle(model).fetchHistory()).events ?? [])[0]!.workflowExecutionStartedEventAttributes!;
    const input = defaultPayloadConverter.fromPayload(started.input!.payloads![0] as never) as RunInput;
    const runId = `${model}-newer`;
    const newer: RunInput = { ...input, run_id: runId, settings: { ...input.settings, behavior: RUN_BEHAVIOR + 1 } };
    const handle = await stack.client.workflow.start(RUN_WORKFLOW_TYPE, { workflowId: runId, taskQueue: stack.taskQueue, args: [newer] });
    const failure = await eventually(async () => {
      const failed = ((await handle.fetchHistory()).events ?? []).find((e) => e.workflowTaskFailedEventAttributes);
      expect(failed).toBeDefined();
      return failed!.workflowTaskFailedEventAttributes!.failure!;
    });
    expect(failure.message).toBe(`run started with behavior ${RUN_BEHAVIOR + 1}, but this worker knows behaviors up to ${RUN_BEHAVIOR}: deploy the new workers (runs wait meanwhile)`);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('test over');
  });

  it('runs `npm run temporal` against the running stack, saying where it points', async () => {
    const runId = await begin('soylent');
    const dataDir = await mkdtemp(join(process.env.HOLDPOINT_TEST_DIR!, 'stack-'));
    await writeFile(join(dataDir, 'stack.json'), JSON.stringify({ pid: process.pid, temporal_address: stack.address, namespace: 'default', gateway_url: stack.url, started_at: new Date().toISOString() }));
    const { TEMPORAL_ADDRESS: _unset, ...inherited } = process.env;
    const env = { ...inherited, HOLDPOINT_DATA_DIR: dataDir, TEMPORAL_CLI_PATH: cli };
    const tsx = join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
    const main = join(__dirname, '..', '..', 'bin', 'temporal-cli-main.ts');
    const described = await exec(tsx, [main, 'workflow', 'describe', '-o', 'json', '--workflow-id', runId], env);
    expect(described.code).toBe(0);
    expect((JSON.parse(described.stdout) as { workflowExecutionInfo: { execution: { workflowId: string } } }).workflowExecutionInfo.execution.workflowId).toBe(runId);

    const noStack = await exec(tsx, [main, 'workflow', 'list', '--limit', '1', '--command-timeout', '2s'], { ...env, HOLDPOINT_DATA_DIR: join(dataDir, 'none') });
    expect(noStack.stderr).toMatch(/No running holdpoint stack found .*; using 127\.0\.0\.1:7233/);
  });

  it("shows a paused run's current details in the Web UI, in a real browser", async () => {
    const ui = process.env.HOLDPOINT_TEST_UI_URL;
    if (!ui) throw new Error('the suite starts its dev server with the Web UI (test/harness/global-setup.ts); HOLDPOINT_TEST_UI_URL is missing');
    const runId = await begin('umbrella');
    await mkdir(SHOTS, { recursive: true });
    const browser = await puppeteer.launch({ executablePath: process.env.HOLDPOINT_TEST_CHROMIUM!, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1400, height: 1800 });
      await page.goto(`${ui}/namespaces/default/workflows/${runId}`, { waitUntil: 'networkidle2', timeout: 45_000 });
      // The run's page opens on its history. Its summary and current details are under "User Metadata"
      // in the dev server's UI (2.42), and in "Summary & Details" and "Current Details" sections in
      // compose's and the cluster's (2.34). The page renders after the network settles on a busy
      // machine, so wait for one, then open each there is.
      const labels = ['User Metadata', 'Summary & Details', 'Current Details'];
      await Promise.any(labels.map((label) => page.waitForSelector(`::-p-text(${label})`, { timeout: 30_000 }))).catch(async (err: unknown) => {
        const shot = join(SHOTS, 'web-ui-no-details.png') as `${string}.png`;
        await page.screenshot({ path: shot });
        throw new Error(`the run's page never showed its summary and details (what it showed: ${shot}): ${String(err)}`);
      });
      for (const label of labels) await (await page.$(`::-p-text(${label})`))?.click();
      // The UI renders the Markdown in a sandboxed frame; read every frame's text.
      // (The page functions run in the browser, where `document` exists; strings keep Node's types out.)
      const allText = async () => (await Promise.all(page.frames().map((f) => f.evaluate('document.body ? document.body.innerText : ""').catch(() => '')))).join('\n') as string;
      const text = await eventually(async () => {
        const shown = await allText();
        expect(shown).toContain('Waiting for a decision');
        return shown;
      }, 30_000).catch(async (err: unknown) => {
        const shot = join(SHOTS, 'web-ui-failure.png') as `${string}.png`;
        await page.screenshot({ path: shot });
        throw new Error(`the page never showed the current details (what it showed: ${shot}): ${String(err)}`);
      });
      expect(text).toContain('Who may decide: group:sales-ops');
      expect(text).toContain('tn-approval: umbrella');
      // The README's picture comes from here (copied to docs/images/ by hand when the page changes).
      await page.screenshot({ path: join(SHOTS, 'web-ui-paused-run.png') as `${string}.png` });
    } finally {
      await browser.close();
    }
  });
});
