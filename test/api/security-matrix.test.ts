import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Express } from 'express';
import pino from 'pino';
import type { Definition } from '../../src/contracts/definition';
import { numericId } from '../../src/contracts/numeric-id';
import { ROLES_FOR, type Role } from '../../src/contracts/principal';
import { resolveActive, stepPauses, toolPauses } from '../clients/agno/agentos-harness';
import { Receiver } from '../harness/receiver';
import { as, eventually, keyOf, startStack, TEST_SECRET_KEY, type TestStack, type Who } from '../harness/stack';
import { cases, pathOf, type Case, type Targets } from './security-cases';

type Json = Record<string, unknown>;

/** Each role, as one of the stack's people. */
const ROLE_OF: Record<Role, Who> = { admin: 'admin', operator: 'ops', approver: 'alice', viewer: 'viewer' };
const ROLES = Object.keys(ROLE_OF) as Role[];
const PEOPLE: Who[] = ['admin', 'ops', 'alice', 'bob', 'carol', 'dave', 'viewer'];
/** Keys nobody holds, well-formed like the real ones. */
const UNKNOWN_KEYS = ['test-key-mallory-0123456789abcdef', 'test-key-nobody-fedcba9876543210'];
const BODY_LIMIT = 1_048_576;

const done: Definition = { name: 'secmx-done', steps: [{ name: 'say', type: 'task', handler: 'echo', input: { said: 'task' } }] };

/** Well-formed ids of nothing. */
const GHOST: Targets = {
  workflow: 'secmx-nothing',
  agentNumber: 4_242_424_242,
  run: 'wfr_01SECMXGHOST0000000000000',
  runNumber: 4_242_424_243,
  session: 'secmx-ghost-session',
  request: 'wfr_01SECMXGHOST0000000000000.release.1',
  requirements: '[]',
  questionNumber: 4_242_424_244,
  approval: 'wfr_01SECMXGHOST0000000000000.assistant.1',
  endedNumber: 4_242_424_245,
  webhook: 'wh_secmxghost',
  webhookNumber: 4_242_424_246,
  deliveryWebhook: 'wh_secmxghost',
  message: 'msg_secmxghost',
  policy: 424_242,
  policyTool: 'secmx_ghost_tool',
  component: 'secmx-ghost-component',
};

interface Operation {
  key: string;
  method: string;
  template: string;
  face: string;
  public: boolean;
  spec: Json;
}

interface Answer {
  status: number;
  type: string;
  text: string;
  body: unknown;
  headers: Headers;
}

interface Send {
  headers?: Record<string, string>;
  query?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
  raw?: { type: string; data: string };
}

// Issue 10: every route of every face × every role, and a missing, unknown or malformed key, answers
// what the document says; bodies and URLs have documented limits; no key or secret reaches a log, a
// history, a memo or a search attribute.
describe('the security matrix', () => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, next) => (lines.push(chunk.toString()), next()) });
  /** The worker's lines and the Temporal runtime's (workflow and activity logs), at debug level. */
  const workerLines: string[] = [];
  const workerSink = new Writable({ write: (chunk: Buffer, _enc, next) => (workerLines.push(chunk.toString()), next()) });
  let stack: TestStack;
  let receiver: Receiver;
  let doc: Json;
  let operations: Operation[];
  let table: Record<string, Case>;
  let real: Targets;
  let delivery: Pick<Targets, 'deliveryWebhook' | 'message'>;
  const ajv = new Ajv2020({ strict: false, allErrors: false });
  addFormats(ajv);
  const validators = new Map<string, ValidateFunction | null>();

  beforeAll(async () => {
    receiver = await new Receiver().start();
    stack = await startStack({ handlers: { echo: (input: unknown) => input ?? null }, definitions: [...stepPauses, ...toolPauses, done], logger: pino({ level: 'debug' }, sink), workerLogger: pino({ level: 'debug' }, workerSink) });
    doc = (await call('GET', '/openapi.json')).body as Json;
    ajv.addSchema({ $id: 'doc', components: doc.components as Json });
    operations = Object.entries(doc.paths as Record<string, Record<string, Json>>).flatMap(([template, ops]) =>
      Object.entries(ops).map(([method, spec]) => ({
        key: `${method.toUpperCase()} ${template}`,
        method: method.toUpperCase(),
        template,
        face: ((spec.tags as string[]) ?? [])[0] ?? '',
        public: ((spec.security as unknown[]) ?? []).length === 0,
        spec,
      })),
    );
    table = cases(receiver.url);
    delivery = await makeDelivery();
    real = await makeTargets();
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    await receiver?.stop();
  });

  // ── requests ──

  async function call(method: string, path: string, send: Send = {}): Promise<Answer> {
    const url = new URL(path, stack.url);
    for (const [k, v] of Object.entries(send.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { ...send.headers };
    let body: string | undefined;
    if (send.json !== undefined) [headers['content-type'], body] = ['application/json', JSON.stringify(send.json)];
    if (send.form) [headers['content-type'], body] = ['application/x-www-form-urlencoded', new URLSearchParams(send.form).toString()];
    if (send.raw) [headers['content-type'], body] = [send.raw.type, send.raw.data];
    const abort = new AbortController();
    const deadline = setTimeout(() => abort.abort(), 45_000);
    try {
      const res = await fetch(url, { method, headers, body, signal: abort.signal });
      const type = res.headers.get('content-type') ?? '';
      // A stream answers for as long as its run goes on: its status and type are what is checked.
      if (type.startsWith('text/event-stream')) {
        abort.abort();
        return { status: res.status, type, text: '', body: undefined, headers: res.headers };
      }
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, type, text, body: parsed, headers: res.headers };
    } finally {
      clearTimeout(deadline);
    }
  }

  const withKey = (who: Who) => ({ 'X-API-Key': keyOf(who) });

  /** The case's request against `t`, with these headers. */
  function request(op: Operation, t: Targets, headers: Record<string, string>): Promise<Answer> {
    const c = table[op.key]!;
    return call(op.method, pathOf(op.template, t, c.params?.(t)), {
      headers,
      ...(c.query ? { query: c.query(t) } : {}),
      ...(c.body ? { json: c.body(t) } : {}),
      ...(c.form ? { form: c.form(t) } : {}),
    });
  }

  // ── what the document says ──

  /** Whether the operation documents the status, and the answer matches the schema it documents for it. */
  function undocumented(op: Operation, answer: Answer): string | undefined {
    const responses = op.spec.responses as Record<string, { content?: Record<string, { schema: Json }> }>;
    const declared = responses[String(answer.status)];
    if (!declared) return `answered ${answer.status}, which it does not document (${Object.keys(responses).join(', ')}): ${answer.text.slice(0, 300)}`;
    if (!answer.type.startsWith('application/json')) return undefined;
    const key = `${op.key} ${answer.status}`;
    if (!validators.has(key)) {
      const schema = declared.content?.['application/json']?.schema;
      validators.set(key, schema ? ajv.compile(JSON.parse(JSON.stringify(schema).replace(/"#\/components/g, '"doc#/components')) as Json) : null);
    }
    const validate = validators.get(key);
    if (validate && !validate(answer.body)) {
      return `answered ${answer.status} with a body its schema refuses: ${validate.errors?.[0]?.instancePath || '(root)'} ${validate.errors?.[0]?.message ?? ''}: ${answer.text.slice(0, 200)}`;
    }
    return undefined;
  }

  const rolesFor = (c: Case): readonly Role[] => (c.needs === 'any' ? ROLES : typeof c.needs === 'string' ? ROLES_FOR[c.needs] : c.needs.roles);
  const readOnly = (c: Case) => c.needs === 'read';
  /** A 403 saying the caller's roles do not allow it (each face words it in its own shape). */
  const rolesRefusal = (a: Answer) => a.status === 403 && /may not/.test(a.text);
  const perItemRefusal = (a: Answer) => {
    const results = (a.body as { results?: { status: number; error?: { message: string } }[] } | undefined)?.results ?? [];
    return a.status === 200 && results.length > 0 && results.every((r) => r.status === 403 && /may not/.test(r.error?.message ?? ''));
  };

  // ── the matrix, printed when a cell is wrong ──

  const matrix = new Map<string, Record<string, string>>();
  const problems: string[] = [];
  function note(op: Operation, column: string, answer: Answer, problem: string | undefined): void {
    const row = matrix.get(op.key) ?? {};
    row[column] = `${answer.status}${problem ? '!' : ''}`;
    matrix.set(op.key, row);
    if (problem) problems.push(`${op.key} [${column}]: ${problem}`);
  }
  function verdict(columns: string[]): void {
    if (problems.length === 0) return;
    const width = Math.max(...[...matrix.keys()].map((k) => k.length));
    const rows = [...matrix.entries()].map(([key, row]) => `${key.padEnd(width)}  ${columns.map((c) => (row[c] ?? '-').padEnd(10)).join('')}`);
    const header = `${''.padEnd(width)}  ${columns.map((c) => c.padEnd(10)).join('')}`;
    const text = `${problems.length} cells are wrong:\n${problems.join('\n')}\n\n${header}\n${rows.join('\n')}`;
    problems.length = 0;
    throw new Error(text);
  }

  const secured = () => operations.filter((op) => !op.public);

  it('knows what every documented operation needs, and documents every route the faces mount', () => {
    const documented = new Set(operations.map((op) => op.key));
    const mounted = mountedRoutes(stack.app);
    expect([...mounted].filter((r) => !documented.has(r)).sort()).toEqual([]);
    expect([...documented].filter((r) => !mounted.has(r)).sort()).toEqual([]);
    expect(secured().filter((op) => !table[op.key]).map((op) => op.key)).toEqual([]);
    expect(Object.keys(table).filter((k) => !documented.has(k))).toEqual([]);
    expect(secured().length).toBeGreaterThan(90);
    // Every operation behind a key documents the 401, and, when a role may lack it, the 403.
    for (const op of secured()) {
      const responses = Object.keys(op.spec.responses as Json);
      expect({ op: op.key, has401: responses.includes('401') }).toEqual({ op: op.key, has401: true });
      const c = table[op.key]!;
      if (rolesFor(c).length < ROLES.length && !c.refusedPerItem) expect({ op: op.key, has403: responses.includes('403') }).toEqual({ op: op.key, has403: true });
    }
  });

  it("refuses a missing, unknown or malformed key with 401 in the face's own shape", async () => {
    const variants: Record<string, (op: Operation) => Record<string, string>> = {
      none: () => ({}),
      unknown: (op): Record<string, string> => (op.face === 'aip' ? { 'X-API-Key': UNKNOWN_KEYS[0]! } : { Authorization: `Bearer ${UNKNOWN_KEYS[1]}` }),
      basic: () => ({ Authorization: `Basic ${keyOf('admin')}` }),
      twoTokens: () => ({ Authorization: `Bearer ${keyOf('admin')} ${keyOf('admin')}` }),
      emptyKey: () => ({ 'X-API-Key': '' }),
    };
    await pool(secured(), 8, async (op) => {
      for (const [name, headers] of Object.entries(variants)) {
        const answer = await request(op, GHOST, headers(op));
        let problem = answer.status !== 401 ? `expected 401, got ${answer.status}: ${answer.text.slice(0, 200)}` : (undocumented(op, answer) ?? faceShape(op, answer));
        if (!problem && [...UNKNOWN_KEYS, keyOf('admin')].some((k) => answer.text.includes(k))) problem = 'the answer echoes the key';
        note(op, name, answer, problem);
      }
    });
    verdict(Object.keys(variants));
  }, 180_000);

  /** The face's own 401: holdpoint's error, m8tes' envelope, FastAPI's detail, GL AIP's two shapes. */
  function faceShape(op: Operation, answer: Answer): string | undefined {
    const body = answer.body as Json;
    const error = body?.error as Json | undefined;
    const ok =
      op.face === 'm8tes'
        ? error?.type === 'authentication_error' && (error.details as Json).error_code === 'invalid_api_key'
        : op.face === 'agentos'
          ? typeof body?.detail === 'string'
          : op.face === 'aip'
            ? op.template.startsWith('/agents/hitl')
              ? typeof body?.error === 'string' && body.message === body.error
              : body?.success === false && body.error === 'unauthenticated'
            : error?.type === 'unauthenticated' && /^Bearer/.test(answer.headers.get('www-authenticate') ?? '');
    return ok ? undefined : `not the ${op.face} face's 401: ${answer.text.slice(0, 200)}`;
  }

  it('answers every operation for every role as the roles allow, on things that exist', async () => {
    // Read-only operations for every role, and every operation for the roles it refuses: nothing changes.
    await pool(secured(), 6, async (op) => {
      const c = table[op.key]!;
      const allowed = rolesFor(c);
      for (const role of ROLES) {
        const may = allowed.includes(role);
        if (may && !readOnly(c) && c.needs !== 'any') continue;
        const answer = await request(op, real, withKey(ROLE_OF[role]));
        let problem = undocumented(op, answer);
        if (!problem && answer.status >= 500) problem = `a server error: ${answer.text.slice(0, 200)}`;
        if (!problem && c.needs === 'any' && (answer.status === 401 || answer.status === 403)) problem = `refused a role the route does not tell apart: ${answer.text.slice(0, 200)}`;
        else if (!problem && may && c.needs !== 'any' && (answer.status < 200 || answer.status > 299)) problem = `a reader should succeed: ${answer.text.slice(0, 200)}`;
        else if (!problem && !may && !(c.refusedPerItem ? perItemRefusal(answer) : rolesRefusal(answer))) problem = `${role} lacks "${describeNeed(c)}" and should be refused for it: ${answer.text.slice(0, 200)}`;
        note(op, role, answer, problem);
      }
    });
    verdict(ROLES);
  }, 300_000);

  it('answers ids of nothing with a documented status, never a 5xx, and refuses roles before looking when it can', async () => {
    await pool(secured(), 8, async (op) => {
      const c = table[op.key]!;
      const allowed = rolesFor(c);
      await Promise.all(
        ROLES.map(async (role) => {
          const answer = await request(op, GHOST, withKey(ROLE_OF[role]));
          let problem = undocumented(op, answer);
          if (!problem && answer.status >= 500) problem = `a server error: ${answer.text.slice(0, 200)}`;
          if (!problem && answer.status === 401) problem = 'a valid key was refused';
          if (!problem && allowed.includes(role) && rolesRefusal(answer)) problem = `${role} may "${describeNeed(c)}" yet was refused`;
          if (!problem && !allowed.includes(role)) {
            const refused = c.refusedPerItem ? perItemRefusal(answer) : rolesRefusal(answer) || (c.findsFirst === true && answer.status === 404);
            if (!refused) problem = `${role} lacks "${describeNeed(c)}": expected 403${c.findsFirst ? ' (or 404: the route finds its target first)' : ''}, got ${answer.status}: ${answer.text.slice(0, 200)}`;
          }
          note(op, role, answer, problem);
        }),
      );
    });
    verdict(ROLES);
  }, 300_000);

  it('lets every role that holds the action do it (each operation on things of its own)', async () => {
    const changing = secured().filter((op) => !readOnly(table[op.key]!) && table[op.key]!.needs !== 'any');
    await pool(changing, 3, async (op) => {
      const c = table[op.key]!;
      const t = await makeTargets();
      // Admins last: the first caller finds things as they were made.
      const order: Role[] = [...rolesFor(c).filter((r) => r !== 'admin'), ...rolesFor(c).filter((r) => r === 'admin')];
      for (const role of order) {
        const answer = await request(op, t, withKey(ROLE_OF[role]));
        let problem = undocumented(op, answer);
        if (!problem && answer.status >= 500) problem = `a server error: ${answer.text.slice(0, 200)}`;
        if (!problem && (answer.status === 401 || rolesRefusal(answer))) problem = `${role} may "${describeNeed(c)}" yet was refused: ${answer.text.slice(0, 200)}`;
        if (!problem && role === order[0] && (answer.status < 200 || answer.status > 299)) problem = `the first caller allowed should succeed: ${answer.text.slice(0, 200)}`;
        note(op, `may:${role}`, answer, problem);
      }
    });
    verdict(ROLES.map((r) => `may:${r}`));
  }, 400_000);

  const describeNeed = (c: Case) => (typeof c.needs === 'string' ? c.needs : c.needs.why);

  // ── limits ──

  it("refuses a body over 1 MB with 413 in the face's shape, naming the limit, and takes one just under it", async () => {
    const withBody = secured()
      .concat(operations.filter((op) => op.public))
      .filter((op) => op.spec.requestBody !== undefined);
    expect(withBody.length).toBeGreaterThan(25);
    await pool(withBody, 4, async (op) => {
      const type = Object.keys((op.spec.requestBody as { content: Json }).content)[0]!;
      for (const [column, size] of [
        ['over', BODY_LIMIT + 1024],
        ['under', BODY_LIMIT - 1024],
      ] as const) {
        const pad = 'x'.repeat(size - 12);
        const send: Send = type === 'application/json' ? { raw: { type, data: JSON.stringify({ pad }) } } : type === 'application/x-www-form-urlencoded' ? { raw: { type, data: `pad=${pad}` } } : { raw: { type, data: pad } };
        const c = table[op.key];
        const answer = await call(op.method, pathOf(op.template, GHOST, c?.params?.(GHOST)), { ...send, headers: withKey('admin') });
        let problem = undocumented(op, answer);
        // This stack has no Slack signing secret: the endpoint says so (503), as it documents.
        const unconfigured = op.face === 'slack' && answer.status === 503;
        if (!problem && answer.status >= 500 && !unconfigured) problem = `a server error: ${answer.text.slice(0, 200)}`;
        if (!problem && column === 'over' && (answer.status !== 413 || !answer.text.includes(`${BODY_LIMIT} bytes`))) problem = `expected a 413 naming the limit: ${answer.text.slice(0, 200)}`;
        if (!problem && column === 'under' && answer.status === 413) problem = 'refused for its size under the limit';
        note(op, column, answer, problem);
      }
    });
    verdict(['over', 'under']);
  }, 300_000);

  it('takes a 4000-character cursor of non-ASCII text to the face, which names the parameter; beyond 64 KiB of headers the server answers 431, as documented', async () => {
    const long = 'ö'.repeat(4000);
    const paged = secured().filter((op) => ((op.spec.parameters as { in: string; name: string }[] | undefined) ?? []).some((p) => p.in === 'query' && (p.name === 'cursor' || p.name === 'starting_after')));
    expect(paged.length).toBeGreaterThanOrEqual(8);
    await pool(paged, 4, async (op) => {
      const name = (op.spec.parameters as { in: string; name: string }[]).find((p) => p.in === 'query' && (p.name === 'cursor' || p.name === 'starting_after'))!.name;
      const c = table[op.key]!;
      const answer = await call(op.method, pathOf(op.template, real, c.params?.(real)), { headers: withKey('admin'), query: { ...c.query?.(real), [name]: long } });
      let problem = undocumented(op, answer);
      if (!problem && (answer.status < 400 || answer.status > 499 || !answer.text.includes(name))) problem = `expected a 4xx naming ${name}: ${answer.text.slice(0, 200)}`;
      note(op, 'ö×4000', answer, problem);
    });
    verdict(['ö×4000']);

    const tooLong = await call('GET', '/v1/workflow-runs', { headers: withKey('viewer'), query: { cursor: 'a'.repeat(4001) } });
    expect(tooLong.status).toBe(400);
    expect((tooLong.body as { error: Json }).error).toMatchObject({ details: { field: 'query.cursor' } });
    // Up to the server's limit a query reaches the face; past it, Node answers 431 with no body.
    const near = await call('GET', '/v1/workflow-runs', { headers: withKey('viewer'), query: { cursor: 'a'.repeat(60 * 1024) } });
    expect([near.status, (near.body as { error: Json }).error.message]).toEqual([400, expect.stringContaining('query.cursor')]);
    const beyond = await call('GET', '/v1/workflow-runs', { headers: withKey('viewer'), query: { cursor: 'a'.repeat(70 * 1024) } });
    expect(beyond.status).toBe(431);
    const description = (doc.info as Json).description as string;
    expect(description).toMatch(/64 KiB/);
    expect(description).toMatch(/431/);
    expect(description).toMatch(/413/);
  }, 120_000);

  it('reads a path that is not valid percent-encoding literally, on every face (no 500)', async () => {
    for (const path of ['/v1/workflow-runs/%E0%A4%A', '/api/v2/runs/%E0%A4%A', '/workflows/%E0%A4%A', '/agents/%E0%A4%A', '/sessions/%ZZ', '/schemas/messages/%E0%A4%A']) {
      const answer = await call('GET', path, { headers: withKey('viewer') });
      expect({ path, status: answer.status }).toEqual({ path, status: expect.any(Number) });
      expect({ path, clientError: answer.status >= 400 && answer.status < 500 }).toEqual({ path, clientError: true });
    }
  });

  // ── secrets ──

  it('never writes a key or a secret to a log line, a history, a memo or a search attribute', async () => {
    const canary = `secmx-canary-${randomUUID()}`;
    const secrets = new Set<string>([...PEOPLE.map(keyOf), ...UNKNOWN_KEYS, TEST_SECRET_KEY]);
    const keep = (secret: unknown) => {
      if (typeof secret !== 'string' || secret.length < 16) throw new Error(`expected a secret, got ${String(secret)}`);
      secrets.add(secret);
      // The signing key inside `whsec_…` would leak as well on its own.
      if (secret.startsWith('whsec_')) secrets.add(secret.slice('whsec_'.length));
    };

    // Webhooks with secrets, through both faces that have them (and a rotation).
    const hook = await call('POST', '/v1/webhooks', { headers: { Authorization: `Bearer ${keyOf('admin')}` }, json: { url: receiver.url, events: ['run.started', 'run.completed', 'approval.requested'] } });
    expect(hook.status).toBe(201);
    keep((hook.body as Json).secret);
    const rotated = await call('PATCH', `/v1/webhooks/${(hook.body as Json).id as string}`, { headers: withKey('admin'), json: { rotate_secret: true } });
    keep((rotated.body as Json).secret);
    const m8Hook = await call('POST', '/api/v2/webhooks/', { headers: { Authorization: `Bearer ${keyOf('admin')}` }, json: { url: receiver.url, events: ['run.completed'] } });
    expect(m8Hook.status).toBe(201);
    keep((m8Hook.body as Json).secret);

    // A run started through each face, each decided over REST (as its face decides).
    const runs: string[] = [];
    const v1 = await call('POST', '/v1/agents/aos-confirm/workflow', { headers: { Authorization: `Bearer ${keyOf('ops')}` }, query: { wait: '10s' }, json: { input: { task: `${canary} v1` } } });
    expect(v1.status).toBe(200);
    runs.push((v1.body as Json).run_id as string);
    const aip = await call('POST', '/agents/aos-confirm/run', { headers: withKey('ops'), json: { input: `${canary} aip` } });
    expect(aip.status).toBe(200);
    runs.push(aip.headers.get('x-run-id')!);
    const agentOs = await call('POST', '/workflows/aos-confirm/runs', { headers: { Authorization: keyOf('ops') }, form: { message: `${canary} agentos`, stream: 'false', session_id: `secmx-${randomUUID()}` } });
    expect(agentOs.status).toBe(200);
    runs.push((agentOs.body as Json).run_id as string);
    const m8 = await call('POST', '/api/v2/runs/', { headers: { Authorization: `Bearer ${keyOf('dave')}` }, json: { message: `${canary} m8tes`, stream: false, teammate_id: numericId('aos-confirm') } });
    expect(m8.status).toBe(201);
    runs.push(((m8.body as Json).holdpoint as Json).run_id as string);

    const pending = await Promise.all(runs.map((id) => eventually(async () => {
      const run = await stack.core.runs.get(id, as('admin'));
      expect(run.pending).toHaveLength(1);
      return run.pending[0]!.request_id;
    })));
    const [v1Request, aipRequest, agentOsRequest, m8Request] = pending as [string, string, string, string];
    expect((await call('POST', `/v1/approvals/${v1Request}/decision`, { headers: withKey('alice'), query: { wait: '10s' }, json: { value: 'approve' } })).status).toBe(200);
    expect((await call('POST', '/agents/hitl/decision', { headers: withKey('bob'), json: { request_id: aipRequest, decision: 'approved' } })).status).toBe(200);
    const agentOsRun = agentOs.body as Json;
    const continued = await call('POST', `/workflows/aos-confirm/runs/${agentOsRun.run_id as string}/continue`, {
      headers: { Authorization: `Bearer ${keyOf('alice')}` },
      form: { stream: 'false', session_id: agentOsRun.session_id as string, step_requirements: resolveActive(agentOsRun.step_requirements as Json[], (a) => Object.assign(a, { confirmed: true })) },
    });
    expect(continued.status).toBe(200);
    expect(agentOsRequest).toContain(agentOsRun.run_id as string);
    expect((await call('POST', `/api/v2/runs/${numericId(runs[3]!)}/approve`, { headers: { Authorization: `Bearer ${keyOf('carol')}` }, json: { request_id: m8Request, decision: 'allow' } })).status).toBe(200);
    for (const id of runs) await eventually(async () => expect((await stack.core.runs.get(id, as('admin'))).status).toBe('completed'), 30_000);
    // The webhooks were signed with their secrets on the way (the deliveries ran).
    await eventually(async () => expect(receiver.delivered().filter((r) => r.body.includes(canary)).length).toBeGreaterThanOrEqual(1), 30_000);

    // Everything this stack's task queue holds: runs, entities, deliveries, refusal logs.
    const texts: { where: string; text: string }[] = [];
    for await (const execution of stack.client.workflow.list({ query: `TaskQueue = '${stack.taskQueue}'` })) {
      const handle = stack.client.workflow.getHandle(execution.workflowId, execution.runId);
      texts.push({ where: `history of ${execution.workflowId}`, text: textOf(await handle.fetchHistory()) });
      texts.push({ where: `memo and search attributes of ${execution.workflowId}`, text: textOf(await handle.describe()) });
    }
    texts.push({ where: 'the gateway log', text: lines.join('') });
    texts.push({ where: 'the worker log', text: workerLines.join('') });

    // The scan reads what it should: the canary task is in the runs' histories, the log has lines from every face.
    expect(texts.filter((t) => t.where.startsWith('history') && t.text.includes(canary)).length).toBeGreaterThanOrEqual(4);
    expect(lines.length).toBeGreaterThan(20);
    for (const route of ['/v1/', '/api/v2/', '/agents/', '/workflows/']) expect(lines.some((l) => l.includes(`"route":"${route}`))).toBe(true);
    // The worker's log has its own lines and the runtime's: activities of runs, webhook deliveries.
    expect(workerLines.some((l) => l.includes('"msg":"worker created"'))).toBe(true);
    expect(workerLines.some((l) => l.includes('"component":"temporal"') && l.includes('"activityType"'))).toBe(true);
    const leaks = texts.flatMap(({ where, text }) => [...secrets].filter((s) => text.includes(s)).map((s) => `${s.slice(0, 12)}… in ${where}`));
    expect(leaks).toEqual([]);
  }, 240_000);

  // ── set-up ──

  /** A webhook for runs of `secmx-done`, and the message it delivered for one (redelivery takes any). */
  async function makeDelivery(): Promise<Pick<Targets, 'deliveryWebhook' | 'message'>> {
    const webhook = await call('POST', '/v1/webhooks', { headers: withKey('admin'), json: { url: receiver.url, events: ['run.completed'], workflow: 'secmx-done' } });
    expect(webhook.status).toBe(201);
    const id = (webhook.body as Json).id as string;
    expect((await call('POST', '/v1/agents/secmx-done/workflow', { headers: withKey('ops'), query: { wait: '15s' }, json: { input: { task: 'deliver me' } } })).status).toBe(200);
    const message = await eventually(async () => {
      const page = await call('GET', `/v1/webhooks/${id}/deliveries`, { headers: withKey('admin') });
      const first = ((page.body as { data?: { message_id: string }[] }).data ?? [])[0];
      expect(first).toBeDefined();
      return first!.message_id;
    }, 30_000);
    return { deliveryWebhook: id, message };
  }

  /** A fresh set of things to aim at: runs paused at each kind of gate, an ended run, a webhook, a policy, a component. */
  async function makeTargets(): Promise<Targets> {
    const session = `secmx-${randomUUID()}`;
    const ops = { Authorization: `Bearer ${keyOf('ops')}` };
    const [confirm, question, tool, ended, webhook, policy, component] = await Promise.all([
      call('POST', '/workflows/aos-confirm/runs', { headers: ops, form: { message: 'matrix', stream: 'false', session_id: session } }),
      call('POST', '/v1/agents/aos-question/workflow', { headers: ops, query: { wait: '15s' }, json: { input: { task: 'matrix' } } }),
      call('POST', '/workflows/aos-admin/runs', { headers: ops, form: { message: 'remove mallory', stream: 'false' } }),
      call('POST', '/v1/agents/secmx-done/workflow', { headers: ops, query: { wait: '15s' }, json: { input: { task: 'matrix' } } }),
      // Delivering only for runs that stay paused here: the test's many webhooks make no traffic.
      call('POST', '/v1/webhooks', { headers: withKey('admin'), json: { url: receiver.url, events: ['run.completed'], workflow: 'aos-question' } }),
      call('POST', '/v1/policies', { headers: withKey('admin'), json: { tool: `secmx_${randomUUID().slice(0, 8)}` } }),
      call('POST', '/v1/workflows', { headers: withKey('admin'), json: { name: `secmx-comp-${randomUUID().slice(0, 8)}`, steps: [{ name: 'say', type: 'task', handler: 'echo' }] } }),
    ]);
    const made = { confirm, question, tool, ended, webhook, policy, component };
    for (const [what, answer] of Object.entries(made)) if (answer.status >= 300) throw new Error(`could not make the ${what} target: ${answer.status} ${answer.text.slice(0, 300)}`);
    const run = (confirm.body as Json).run_id as string;
    const questionRun = (question.body as Json).run_id as string;
    const toolRun = (tool.body as Json).run_id as string;
    expect([(question.body as Json).status, (ended.body as Json).status]).toEqual(['paused', 'completed']);
    const pendingOf = async (id: string) => (await stack.core.runs.get(id, as('admin'))).pending[0]!.request_id;
    const webhookId = (webhook.body as Json).id as string;
    return {
      workflow: 'aos-confirm',
      agentNumber: numericId('aos-confirm'),
      run,
      runNumber: numericId(run),
      session,
      request: await pendingOf(run),
      requirements: resolveActive((confirm.body as Json).step_requirements as Json[], (a) => Object.assign(a, { confirmed: true })),
      questionNumber: numericId(questionRun),
      approval: await pendingOf(toolRun),
      endedNumber: numericId((ended.body as Json).run_id as string),
      webhook: webhookId,
      webhookNumber: numericId(webhookId),
      ...delivery,
      policy: (policy.body as Json).id as number,
      policyTool: (policy.body as Json).tool as string,
      component: (component.body as Json).name as string,
    };
  }
});

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  rawPath?: string | string[];
  handle: { stack?: Layer[] };
}

/** Every route Express has mounted, as `METHOD /openapi/{template}` (nested routers included), as openapi.test.ts walks them. */
function mountedRoutes(app: Express): Set<string> {
  const found = new Set<string>();
  const template = (path: string) => path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}') || '/';
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') found.add(`${method.toUpperCase()} ${template(prefix + layer.route.path)}`);
      } else if (layer.handle.stack) {
        walk(layer.handle.stack, prefix + (typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : ''));
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return found;
}

/** Runs `work` over the items, `n` at a time. */
async function pool<T>(items: readonly T[], n: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** Every string in a value, with bytes (payloads) read as UTF-8: what a secret would show up as. */
function textOf(value: unknown): string {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
    else if (v instanceof Uint8Array) out.push(Buffer.from(v).toString('utf8'));
    else if (v && typeof v === 'object' && !seen.has(v)) {
      seen.add(v);
      for (const item of Array.isArray(v) ? v : Object.values(v)) walk(item);
    }
  };
  walk(value);
  return out.join('\n');
}
