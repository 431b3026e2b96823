import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Express } from 'express';
import type { Step } from '../../src/contracts/definition';
import { definition, echo, testHandlers } from '../harness/definitions';
import { start, startStack, type TestStack } from '../harness/stack';

type Json = Record<string, unknown>;
const gate: Step = { name: 'approval', type: 'confirmation', message: 'Go ahead?' };
interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  rawPath?: string | string[];
  handle: { stack?: Layer[] };
}

/** Every route Express has mounted, as `METHOD /openapi/{template}` (nested routers included). */
function mountedRoutes(app: Express): Set<string> {
  const found = new Set<string>();
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') found.add(`${method.toUpperCase()} ${template(prefix + layer.route.path)}`);
        }
      } else if (layer.handle.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return found;
}

const template = (path: string) => (path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}').replace(/(.)\/$/, '$1') || '/');

// Issue 9: routes are declared once; the document describes exactly what is mounted.
describe('the OpenAPI document and the reference page', () => {
  let stack: TestStack;
  let doc: Json;
  let paths: Record<string, Record<string, Json>>;

  beforeAll(async () => {
    stack = await startStack({ handlers: testHandlers().handlers, definitions: [definition('openapi-gate', [gate, echo('after', 'steps.approval.decision')])] });
    const res = await stack.http().get('/openapi.json').expect(200);
    doc = res.body as Json;
    paths = doc.paths as typeof paths;
  }, 120_000);
  afterAll(() => stack?.stop());

  it('is OpenAPI 3.1 with a tag per face and unique operation ids', () => {
    expect(doc.openapi).toBe('3.1.0');
    const tags = (doc.tags as { name: string }[]).map((t) => t.name);
    expect(tags).toEqual(expect.arrayContaining(['holdpoint', 'v1', 'aip', 'agentos', 'm8tes', 'inbox', 'slack']));
    const ids: string[] = [];
    for (const [path, operations] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(operations)) {
        expect({ path, method, tagged: tags.includes(((op.tags as string[]) ?? [])[0] ?? '') }).toEqual({ path, method, tagged: true });
        expect(typeof op.summary).toBe('string');
        ids.push(op.operationId as string);
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
    // Every reference points at a component the document has.
    const refs = [...JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    const components = Object.keys((doc.components as { schemas: Json }).schemas);
    expect(refs.filter((r) => !components.includes(r))).toEqual([]);
  });

  it('lists every mounted route, and mounts every route it lists', () => {
    const mounted = mountedRoutes(stack.app);
    const documented = new Set(Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${template(path)}`)));
    expect([...mounted].filter((r) => !documented.has(r)).sort()).toEqual([]);
    expect([...documented].filter((r) => !mounted.has(r)).sort()).toEqual([]);
    expect(mounted.size).toBeGreaterThan(80);
  });

  it('describes the answers the gateway gives: a run, a page of runs and a refusal validate against the document itself', async () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    ajv.addSchema({ $id: 'doc', components: (doc.components as Json) });
    const schemaFor = (path: string, method: string, status: number) => {
      const op = paths[path]![method]!;
      const content = ((op.responses as Record<string, { content?: Record<string, { schema: Json }> }>)[String(status)]!.content ?? {})['application/json']!;
      return JSON.parse(JSON.stringify(content.schema).replace(/"#\/components/g, '"doc#/components')) as Json;
    };
    const started = await start(stack, 'openapi-gate', { input: { task: 'check the spec' } });
    if (started.status !== 200) throw new Error(`start answered ${started.status}: ${JSON.stringify(started.body)}`);
    expect(ajv.validate(schemaFor('/v1/agents/{name}/workflow', 'post', 200), started.body)).toBe(true);
    const list = await stack.http().get('/v1/workflow-runs').query({ limit: 2 }).expect(200);
    expect(ajv.validate(schemaFor('/v1/workflow-runs', 'get', 200), list.body)).toBe(true);
    const refused = await stack.http().post(`/v1/workflow-runs/${started.body.runId}/resume`).send({ input: { approved: 'yes' }, colour: 'red' }).expect(400);
    expect(refused.body.error.message).toMatch(/colour|approved/);
    expect(ajv.validate(schemaFor('/v1/workflow-runs/{runId}/resume', 'post', 400), refused.body)).toBe(true);
    // And a wrong answer would not pass: the schema is not "anything".
    expect(ajv.validate(schemaFor('/v1/workflow-runs/{runId}/resume', 'post', 400), { error: 'nope' })).toBe(false);
  });

  it('serves a browsable reference at /docs, without a key and from its own origin only', async () => {
    const page = await stack.http().get('/docs').set('X-API-Key', '').expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/default-src/);
    expect(page.text).toContain('/openapi.json');
    const script = page.text.match(/<script[^>]+src="([^"]+)"/)?.[1];
    expect(script).toBeDefined();
    expect(script!.startsWith('/')).toBe(true);
    const bundle = await stack.http().get(script!).expect(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    expect(bundle.text.length).toBeGreaterThan(100_000);
    // The document itself needs no key either (a reference page has to read it).
    await stack.http().get('/openapi.json').set('X-API-Key', '').expect(200);
  });
});
