import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RunEvent } from '../../src/contracts/events';
import { definition, echo, testHandlers } from '../harness/definitions';
import { Receiver } from '../harness/receiver';
import { eventually, keyOf, startStack, type TestStack, type Who } from '../harness/stack';

const BIN = resolve(__dirname, '../../bin/holdpoint.js');
const gate = `cli-gate-${randomUUID().slice(0, 8)}`;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Launched {
  child: ChildProcess;
  stdout(): string;
  result: Promise<Result>;
}

// Operators and scripts drive holdpoint from a shell: `holdpoint` as a child process, the way a person runs it.
describe('the holdpoint command line against a live gateway', () => {
  let stack: TestStack;
  let receiver: Receiver;
  let home: string;
  beforeAll(async () => {
    stack = await startStack({
      handlers: testHandlers().handlers,
      definitions: [definition(gate, [{ name: 'gate', type: 'confirmation', message: 'Pay {{ state.invoice }}?', assignees: ['group:finance'], timeout: '2d' }, echo('after', "'paid'")])],
    });
    receiver = await new Receiver().start();
    // A home of its own: no config file of the machine's leaks in.
    home = mkdtempSync(join(tmpdir(), 'holdpoint-cli-'));
  });
  afterAll(async () => {
    await receiver.stop();
    await stack.stop();
    rmSync(home, { recursive: true, force: true });
  });

  /** Runs `node bin/holdpoint.js ...args` (asynchronously: the gateway answers from this process). */
  function launch(args: string[], options: { who?: Who; env?: Record<string, string | undefined>; input?: string; deadlineMs?: number } = {}): Launched {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, HOLDPOINT_URL: stack.url, HOLDPOINT_API_KEY: keyOf(options.who ?? 'admin'), ...options.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    if (options.input !== undefined) child.stdin!.end(options.input);
    else child.stdin!.end();
    const result = new Promise<Result>((done, fail) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(new Error(`holdpoint ${args.join(' ')} did not exit within ${options.deadlineMs ?? 30_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
      }, options.deadlineMs ?? 30_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        done({ code, stdout, stderr });
      });
    });
    return { child, stdout: () => stdout, result };
  }
  const cli = (args: string[], options: Parameters<typeof launch>[1] = {}) => launch(args, options).result;
  const json = <T = Record<string, unknown>>(r: Result): T => {
    if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };

  /** A run of the gate workflow paused at its gate, started over HTTP. */
  async function paused(): Promise<{ runId: string; requestId: string; digest: string }> {
    const res = await stack.http('ops').post(`/v1/agents/${gate}/workflow`).send({ input: { task: 'Pay the invoice', state: { invoice: 'inv-7' } } }).expect(200);
    expect(res.body.status).toBe('paused');
    return { runId: res.body.run_id, requestId: res.body.output.pendingAction.request_id, digest: res.body.output.pendingAction.digest };
  }

  async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    const { port } = server.address() as { port: number };
    await new Promise<void>((done) => server.close(() => done()));
    return port;
  }

  it('documents its exit codes, and refuses bad usage with 2 before sending anything', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:\n {2}0 {2}ok\n {2}1 {2}refused/);
    for (const line of [/^ {2}2 {2}usage/m, /^ {2}3 {2}unreachable/m, /^ {2}4 {2}timed out/m, /HOLDPOINT_URL/, /HOLDPOINT_API_KEY/, /config\.json/]) expect(help.stdout).toMatch(line);
    expect((await cli(['runs', 'start', '--help'])).stdout).toMatch(/usage: holdpoint runs start <workflow>/);

    const cases: [string[], RegExp][] = [
      [[], /no command given/],
      [['nope'], /unknown command "nope"/],
      [['runs'], /runs: which command\?/],
      [['runs', 'start'], /missing <workflow>/],
      [['runs', 'start', gate], /--task is required/],
      [['runs', 'list', '--bogus'], /Unknown option '--bogus'/],
      [['runs', 'list', '--limit', 'lots'], /--limit must be a whole number/],
      [['runs', 'get', 'a', 'b'], /unexpected argument "b"/],
      [['approvals', 'decide', 'x', '--option', 'approve', '--skip'], /only one of --option, --value, --skip/],
      [['runs', 'watch', 'x', '--timeout', 'soon'], /--timeout must be a duration/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
    }
  });

  it('starts, reads and lists runs: --json matches the API, tables show the rows', async () => {
    const started = json<{ run_id: string; status: string; output: { pendingAction: { request_id: string; step: string } } }>(
      await cli(['runs', 'start', gate, '--task', 'Pay the invoice', '--state', '{"invoice": "inv-42"}', '--json'], { who: 'ops' }),
    );
    expect(started).toMatchObject({ run_id: expect.stringMatching(/^wfr_/), status: 'paused', output: { pendingAction: { step: 'gate' } } });
    const runId = started.run_id;

    const api = await stack.http('viewer').get(`/v1/workflow-runs/${runId}`).expect(200);
    expect(json(await cli(['runs', 'get', runId, '--json'], { who: 'viewer' }))).toEqual(api.body);

    const table = await cli(['runs', 'get', runId], { who: 'viewer' });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^run: +${runId}$`, 'm'));
    expect(table.stdout).toMatch(/^status: +paused$/m);
    expect(table.stdout).toMatch(/^STEP +TYPE +STATUS/m);
    expect(table.stdout).toMatch(/^gate +confirmation +paused/m);
    expect(table.stdout).toContain(started.output.pendingAction.request_id);

    const listed = await eventually(async () => {
      const r = await cli(['runs', 'list', '--workflow', gate, '--status', 'paused', '--json'], { who: 'viewer' });
      const rows = json<{ run_id: string; status: string }[]>(r);
      expect(rows.map((x) => x.run_id)).toContain(runId);
      return rows;
    });
    const apiList = await stack.http('viewer').get(`/v1/workflow-runs?workflow=${gate}&status=paused`).expect(200);
    expect(listed).toEqual(apiList.body.data);
    const rows = await cli(['runs', 'list', '--workflow', gate], { who: 'viewer' });
    expect(rows.stdout).toMatch(/^RUN +WORKFLOW +STATUS +WAITING FOR +CREATED$/m);
    expect(rows.stdout).toMatch(new RegExp(`^${runId} +${gate} +paused +gate: Pay inv-42\\?`, 'm'));

    // A refusal exits 1 with the API's type; --json puts the error on stderr as JSON.
    const missing = await cli(['runs', 'get', 'wfr_NOPE'], { who: 'viewer' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/refused \(404 not_found\)/);
    const missingJson = await cli(['runs', 'get', 'wfr_NOPE', '--json'], { who: 'viewer' });
    expect(missingJson.code).toBe(1);
    expect(JSON.parse(missingJson.stderr)).toMatchObject({ error: { status: 404, type: 'not_found' } });
    const forbidden = await cli(['runs', 'start', gate, '--task', 't'], { who: 'viewer' });
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toMatch(/403 forbidden/);

    const cancelled = await cli(['runs', 'cancel', runId, '--reason', 'duplicate', '--json'], { who: 'ops' });
    expect(json(cancelled)).toMatchObject({ run_id: runId, status: 'cancelled' });
  });

  it('shows the inbox and decides with --option; deciding twice exits 1', async () => {
    const { runId, requestId, digest } = await paused();
    const inbox = await eventually(async () => {
      const r = await cli(['approvals', 'list', '--mine', '--workflow', gate], { who: 'alice' });
      expect(r.stdout).toContain(requestId);
      return r.stdout;
    });
    expect(inbox).toMatch(/^REQUEST +WORKFLOW +STEP +TYPE +STATUS +OPTIONS +TIME LEFT +MESSAGE$/m);
    expect(inbox).toMatch(new RegExp(`^${requestId.replace(/\./g, '\\.')} +${gate} +gate +confirmation +pending +approve\\|reject +1d 23h +Pay inv-7\\?$`, 'm'));
    const apiInbox = await stack.http('alice').get(`/v1/approvals?assignee=mine&workflow=${gate}`).expect(200);
    expect(json(await cli(['approvals', 'list', '--mine', '--workflow', gate, '--json'], { who: 'alice' }))).toEqual(apiInbox.body.data);

    const shown = await cli(['approvals', 'show', requestId], { who: 'alice' });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^message: +Pay inv-7\?$/m);
    expect(shown.stdout).toMatch(new RegExp(`^digest: +${digest}$`, 'm'));
    expect(shown.stdout).toMatch(/^who may decide: +group:finance/m);
    expect(shown.stdout).toMatch(/^time left: +1d 23h \(then /m);

    const decided = await cli(['approvals', 'decide', requestId, '--option', 'approve', '--comment', 'within budget', '--digest', digest, '--json'], { who: 'alice' });
    expect(json(decided)).toMatchObject({ approval: { request_id: requestId, status: 'decided' }, run: { run_id: runId, status: 'completed' } });
    const twice = await cli(['approvals', 'decide', requestId, '--option', 'reject'], { who: 'bob' });
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/refused \(409 already_decided\): .*already decided by alice/);

    const trail = await cli(['audit', 'verify', runId], { who: 'viewer' });
    expect(trail.code).toBe(0);
    expect(trail.stdout).toMatch(new RegExp(`^${runId} +run +\\d+ +sha256:\\w+ +ok +ok$`, 'm'));
    expect(trail.stdout).toMatch(/^OK: 1 trail\(s\) verify$/m);
    expect(json<{ ok: boolean; local: { ok: boolean } }[]>(await cli(['audit', 'verify', runId, '--json'], { who: 'viewer' }))).toEqual([
      expect.objectContaining({ run_id: runId, ok: true, local: expect.objectContaining({ ok: true }) }),
    ]);
  });

  it('decides interactively: shows the request, takes the option and a comment from stdin, and sends the digest shown', async () => {
    const { runId, requestId, digest } = await paused();
    const r = await cli(['approvals', 'decide', requestId], { who: 'alice', input: '7\napprove\npaid, thanks\n' });
    expect(r.code).toBe(0);
    // What the person saw, before choosing.
    expect(r.stderr).toMatch(/^message: +Pay inv-7\?$/m);
    expect(r.stderr).toMatch(new RegExp(`^digest: +${digest}$`, 'm'));
    expect(r.stderr).toMatch(/^who may decide: +group:finance/m);
    expect(r.stderr).toMatch(/^time left: +1d 23h/m);
    expect(r.stderr).toMatch(/^ {2}1\) approve\n {2}2\) reject$/m);
    expect(r.stderr).toContain('"7" is not one of the choices.');
    expect(r.stdout).toMatch(new RegExp(`^Decided ${requestId.replace(/\./g, '\\.')}: approve \\(decided\\)$`, 'm'));
    expect(r.stdout).toMatch(/^status: +completed$/m);
    const audit = await stack.http('viewer').get(`/v1/workflow-runs/${runId}/audit`).expect(200);
    expect(audit.body.entries.filter((e: { type: string }) => e.type === 'decided')).toEqual([expect.objectContaining({ by: 'alice', value: 'approve', comment: 'paid, thanks' })]);

    // stdin ends before an answer: a usage error, nothing decided.
    const other = await paused();
    const silent = await cli(['approvals', 'decide', other.requestId], { who: 'alice', input: '' });
    expect(silent.code).toBe(2);
    expect(silent.stderr).toMatch(/stdin ended before an option was chosen/);
    expect((await stack.http('alice').get(`/v1/approvals/${other.requestId}`).expect(200)).body.status).toBe('pending');
  });

  it('watches a run live until it ends, waits with a timeout (exit 4), and resumes', async () => {
    const { runId, requestId } = await paused();
    // Nothing happens while the run waits: the watch gives up at its timeout with 4.
    const idle = await cli(['runs', 'watch', runId, '--timeout', '1s', '--json'], { who: 'viewer' });
    expect(idle.code).toBe(4);
    const idleEvents = idle.stdout.trim().split('\n').map((l) => JSON.parse(l) as RunEvent);
    expect(idleEvents.at(-1)).toMatchObject({ type: 'paused', request_id: requestId });
    expect(idle.stderr).toMatch(/timed out after 1s/);
    const waited = await cli(['runs', 'wait', runId, '--until', 'ended', '--timeout', '500ms'], { who: 'viewer' });
    expect(waited.code).toBe(4);
    expect(waited.stderr).toMatch(new RegExp(`run ${runId} is paused`));

    // A live watch sees the decision and the end, then exits 0; no progress line on a pipe.
    const watching = launch(['runs', 'watch', runId, '--json'], { who: 'viewer' });
    await eventually(async () => expect(watching.stdout()).toContain('"paused"'));
    await stack.http('alice').post(`/v1/approvals/${requestId}/decision?wait=0`).send({ value: 'approve' }).expect(200);
    const done = await watching.result;
    expect(done.code).toBe(0);
    expect(done.stderr).toBe('');
    const seen = done.stdout.trim().split('\n').map((l) => JSON.parse(l) as RunEvent);
    const log = await stack.http('viewer').get(`/v1/workflow-runs/${runId}/events?after=0&limit=1000`).expect(200);
    expect(seen.map((e) => e.seq)).toEqual(log.body.data.map((e: RunEvent) => e.seq));
    expect(seen.at(-1)!.type).toBe('run_completed');
    const table = await cli(['runs', 'watch', runId], { who: 'viewer' });
    expect(table.stdout).toMatch(/^ {3}1 {2}\S+ {2}run_started/m);
    expect(table.stdout).toMatch(new RegExp(`^run ${runId} is completed$`, 'm'));

    // start --wait settles; resume answers the pause by option.
    const started = json<{ run_id: string; status: string }>(await cli(['runs', 'start', gate, '--task', 'again', '--wait', '--timeout', '20s', '--json'], { who: 'ops' }));
    expect(started.status).toBe('paused');
    const resumed = await cli(['runs', 'resume', started.run_id, '--option', 'approve', '--comment', 'ok'], { who: 'alice' });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/^status: +completed$/m);
    const again = await cli(['runs', 'resume', started.run_id, '--option', 'approve'], { who: 'alice' });
    expect(again.code).toBe(1);
  });

  it('manages webhooks', async () => {
    const created = json<{ id: string; secret: string }>(await cli(['webhooks', 'create', '--endpoint', `${receiver.url}?wh=cli`, '--events', 'approval.requested,run.completed', '--workflow', gate, '--description', 'cli test', '--json']));
    expect(created.id).toMatch(/^wh_/);
    expect(created.secret).toMatch(/^whsec_/);
    const listed = await cli(['webhooks', 'list']);
    expect(listed.stdout).toMatch(/^ID +URL +EVENTS +WORKFLOW +ACTIVE +DESCRIPTION$/m);
    expect(listed.stdout).toMatch(new RegExp(`^${created.id} +\\S+wh=cli +approval\\.requested,run\\.completed +${gate} +yes +cli test$`, 'm'));
    const apiList = await stack.http().get('/v1/webhooks').expect(200);
    expect(json(await cli(['webhooks', 'list', '--json']))).toEqual(apiList.body.data);
    expect(json(await cli(['webhooks', 'deliveries', created.id, '--json']))).toEqual([]);
    expect((await cli(['webhooks', 'deliveries', created.id])).stdout).toMatch(/^No deliveries\.$/m);
    const notAdmin = await cli(['webhooks', 'list'], { who: 'alice' });
    expect(notAdmin.code).toBe(1);
    const badEvent = await cli(['webhooks', 'create', '--endpoint', receiver.url, '--events', 'run.exploded', '--json']);
    expect(badEvent.code).toBe(1);
    expect(JSON.parse(badEvent.stderr)).toMatchObject({ error: { status: 400, type: 'invalid_request', field: 'body.events.0' } });

    expect((await cli(['webhooks', 'delete', created.id])).code).toBe(0);
    const gone = await cli(['webhooks', 'delete', created.id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/404 not_found/);
  });

  it('lists, shows and validates definitions (offline, with the gateway\'s validator)', async () => {
    const table = await cli(['definitions', 'list']);
    expect(table.stdout).toMatch(/^NAME +TITLE +SOURCE +VERSION +STEPS +HASH$/m);
    expect(table.stdout).toMatch(/^lead-router +Lead router +static +1 +classify → approval → route +sha256:/m);
    const api = await stack.http().get('/v1/workflows/lead-router').expect(200);
    expect(json(await cli(['definitions', 'show', 'lead-router', '--json']))).toEqual(api.body);

    const dir = mkdtempSync(join(tmpdir(), 'holdpoint-defs-'));
    try {
      const good = join(dir, 'expense.yaml');
      writeFileSync(good, ['name: expense', 'steps:', '  - name: check', '    type: task', '    handler: echo', '  - name: approve', '    type: confirmation', '    message: "Approve?"', '    timeout: 2d', ''].join('\n'));
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ name: 'expense', steps: [{ name: 'approve', type: 'confirmation', message: 'Approve?', timeout: 'soon' }] }));

      // Offline: an unreachable gateway does not matter.
      const offline = { env: { HOLDPOINT_URL: `http://127.0.0.1:${await freePort()}` } };
      const ok = await cli(['definitions', 'validate', good], offline);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/^OK: .*expense\.yaml is a valid definition of "expense"/m);
      const invalid = await cli(['definitions', 'validate', bad], offline);
      expect(invalid.code).toBe(1);
      expect(invalid.stdout).toMatch(/^PATH +STEP +RULE$/m);
      expect(invalid.stdout).toMatch(/^steps\[0\]\.timeout +approve +must be a duration/m);
      const invalidJson = await cli(['definitions', 'validate', bad, '--json'], offline);
      expect(invalidJson.code).toBe(1);
      expect(JSON.parse(invalidJson.stdout)).toMatchObject({ ok: false, name: 'expense', problems: [expect.objectContaining({ path: 'steps[0].timeout', step: 'approve' }), expect.anything()] });
      const handlers = await cli(['definitions', 'validate', good, '--handlers', 'classifyLead'], offline);
      expect(handlers.code).toBe(1);
      expect(handlers.stdout).toMatch(/^steps\[0\]\.handler +check +"echo" is not a registered task handler/m);
      const missing = await cli(['definitions', 'validate', join(dir, 'nope.yaml')], offline);
      expect(missing.code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the URL and key from a config file, lets flags override, and exits 3 when the gateway is unreachable', async () => {
    const port = await freePort();
    const unreachable = await cli(['runs', 'list'], { env: { HOLDPOINT_URL: `http://127.0.0.1:${port}` } });
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+\/v1\/workflow-runs.*ECONNREFUSED/);

    const dir = mkdtempSync(join(tmpdir(), 'holdpoint-config-'));
    try {
      const config = join(dir, 'config.json');
      writeFileSync(config, JSON.stringify({ url: stack.url, api_key: keyOf('viewer') }));
      const env = { HOLDPOINT_URL: undefined, HOLDPOINT_API_KEY: undefined, HOLDPOINT_CONFIG: config };
      expect((await cli(['definitions', 'list', '--json'], { env })).code).toBe(0);
      // The key is the viewer's: admin-only routes refuse.
      expect((await cli(['webhooks', 'list'], { env })).code).toBe(1);
      expect((await cli(['webhooks', 'list', '--api-key', keyOf('admin')], { env })).code).toBe(0);
      expect((await cli(['runs', 'list', '--url', `http://127.0.0.1:${port}`], { env })).code).toBe(3);
      // The environment beats the file.
      expect((await cli(['runs', 'list'], { env: { ...env, HOLDPOINT_URL: `http://127.0.0.1:${port}` } })).code).toBe(3);
      // Without HOLDPOINT_CONFIG: ~/.config/holdpoint/config.json.
      mkdirSync(join(dir, '.config', 'holdpoint'), { recursive: true });
      writeFileSync(join(dir, '.config', 'holdpoint', 'config.json'), JSON.stringify({ url: stack.url, api_key: keyOf('admin') }));
      expect((await cli(['webhooks', 'list', '--json'], { env: { HOLDPOINT_URL: undefined, HOLDPOINT_API_KEY: undefined, HOME: dir } })).code).toBe(0);
      // A config file that is not JSON, or that HOLDPOINT_CONFIG names but is not there: usage errors.
      writeFileSync(config, '{not json');
      const broken = await cli(['runs', 'list'], { env });
      expect(broken.code).toBe(2);
      expect(broken.stderr).toMatch(/config file .*config\.json is not JSON/);
      const absent = await cli(['runs', 'list'], { env: { ...env, HOLDPOINT_CONFIG: join(dir, 'missing.json') } });
      expect(absent.code).toBe(2);
      expect(absent.stderr).toMatch(/cannot read the config file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
