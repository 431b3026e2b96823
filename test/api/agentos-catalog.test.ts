import request from 'supertest';
import { eventually, keyOf, startStack, type TestStack, type Who } from '../harness/stack';
import { stepPauses } from '../clients/agno/agentos-harness';

const component = (name: string, message = 'Ship {{ task }}?') => ({
  name: `Ship ${name}`,
  component_id: name,
  component_type: 'workflow',
  description: 'Built in a builder',
  label: 'stable',
  notes: 'first cut',
  config: { steps: [{ name: 'ship', type: 'confirmation', message }] },
});

// What AgentOS clients discover: /config, /workflows, one workflow, and components (runtime definitions).
describe('AgentOS catalog: config, workflows, components', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ handlers: { echo: (input: unknown) => input ?? null }, definitions: stepPauses });
  });
  afterAll(() => stack.stop());

  const get = (path: string, who: Who = 'viewer') => request(stack.app).get(path).set('Authorization', `Bearer ${keyOf(who)}`);
  const post = (path: string, body: object, who: Who = 'admin') => request(stack.app).post(path).set('Authorization', `Bearer ${keyOf(who)}`).send(body);

  it('lists the shipped definitions in /config and GET /workflows', async () => {
    const config = await get('/config').expect(200);
    expect(config.body).toMatchObject({ os_id: 'holdpoint', databases: [expect.any(String)], agents: [], teams: [], interfaces: [] });
    const ids = config.body.workflows.map((w: { id: string }) => w.id);
    expect(ids).toEqual(expect.arrayContaining(['lead-router', 'deploy-agent', 'deploy-agent-condition', 'billing-agent', 'aos-confirm']));
    const list = await get('/workflows').expect(200);
    expect(Array.isArray(list.body)).toBe(true);
    expect(list.body.find((w: { id: string }) => w.id === 'deploy-agent')).toEqual({
      id: 'deploy-agent',
      name: 'Deploy with an agent',
      description: expect.stringMatching(/agent/),
      db_id: expect.any(String),
      is_factory: false,
      is_component: false,
      sandboxed: false,
    });
  });

  it('is described in /openapi.json under its own tag: form bodies, SSE answers, FastAPI errors, its key', async () => {
    const doc = (await request(stack.app).get('/openapi.json').expect(200)).body;
    expect(doc.tags).toContainEqual(expect.objectContaining({ name: 'agentos' }));
    for (const [path, method] of [['/config', 'get'], ['/workflows/{workflowId}', 'get'], ['/sessions/{sessionId}/runs', 'get'], ['/approvals/{approvalId}/resolve', 'post'], ['/components', 'post']]) {
      expect(doc.paths[path!]?.[method!]?.tags).toEqual(['agentos']);
    }
    const start = doc.paths['/workflows/{workflowId}/runs'].post;
    expect(Object.keys(start.requestBody.content)).toEqual(['application/x-www-form-urlencoded']);
    expect(start.requestBody.content['application/x-www-form-urlencoded'].schema.required).toEqual(['message']);
    expect(Object.keys(start.responses['200'].content)).toEqual(['application/json', 'text/event-stream']);
    expect(start.responses['422'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/AgentOsError' });
    expect(start.security).toEqual([{ agentosKey: [] }]);
    expect(doc.components.securitySchemes.agentosKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(Object.keys(doc.paths['/workflows/{workflowId}/runs/{runId}/resume'].post.responses['200'].content)).toEqual(['text/event-stream']);
  });

  it('describes a workflow: input schema, steps, agent steps with their tools and HITL flags, conditions', async () => {
    const res = await get('/workflows/deploy-agent-condition').expect(200);
    expect(res.body).toMatchObject({ id: 'deploy-agent-condition', name: 'Deploy with an agent, production only', input_schema: { required: ['app', 'version', 'environment'] }, workflow_agent: false });
    expect(res.body.steps.map((s: { name: string; type: string }) => [s.name, s.type])).toEqual([
      ['gather_data', 'Step'],
      ['production_only', 'Condition'],
      ['report', 'Step'],
    ]);
    const agent = res.body.steps[1].steps[0].agent;
    expect(agent).toMatchObject({ id: 'production_analysis', name: 'Detailed analysis', model: { model: 'default' } });
    expect(agent.tools.tools.map((t: { name: string; requires_confirmation?: boolean }) => [t.name, t.requires_confirmation ?? false])).toEqual([
      ['get_release_notes', false],
      ['deploy_to_production', true],
    ]);
    await get('/workflows/nope').expect(404, { detail: 'Workflow not found' });
  });

  it('registers a workflow component, lists it everywhere, versions its configs, and retires it', async () => {
    const created = await post('/components', component('aos-shipper')).expect(201);
    expect(created.body).toMatchObject({ component_id: 'aos-shipper', component_type: 'workflow', name: 'Ship aos-shipper', description: 'Built in a builder', current_version: 1 });
    await post('/components', component('aos-other'), 'ops').expect(403);
    const bad = await post('/components', { ...component('aos-bad'), config: { steps: [] } }).expect(422);
    expect(bad.body.detail).toMatch(/step/);
    await post('/components', { ...component('aos-agent'), component_type: 'agent' }).expect(400);

    await eventually(async () => {
      const list = await get('/workflows').expect(200);
      expect(list.body.find((w: { id: string }) => w.id === 'aos-shipper')).toMatchObject({ is_component: true, current_version: 1, stage: 'published' });
    });
    const listed = await get('/components').expect(200);
    expect(listed.body).toMatchObject({ data: [expect.objectContaining({ component_id: 'aos-shipper' })], meta: { page: 1, total_count: 1 } });
    expect((await get('/config').expect(200)).body.workflows.find((w: { id: string }) => w.id === 'aos-shipper').is_component).toBe(true);
    expect((await get('/workflows/aos-shipper').expect(200)).body).toMatchObject({ is_component: true, current_version: 1, steps: [{ name: 'ship', type: 'Step' }] });

    const v2 = await post('/components/aos-shipper/configs', { config: { steps: [{ name: 'ship', type: 'confirmation', message: 'Really ship {{ task }}?' }] }, label: 'v2' }).expect(201);
    expect(v2.body).toMatchObject({ component_id: 'aos-shipper', version: 2, label: 'v2', stage: 'published', config: { name: 'aos-shipper', title: 'Ship aos-shipper' } });
    expect((await get('/components/aos-shipper/configs').expect(200)).body.map((c: { version: number }) => c.version)).toEqual([1, 2]);
    expect((await get('/components/aos-shipper/configs/current').expect(200)).body.version).toBe(2);
    expect((await get('/components/aos-shipper/configs/1').expect(200)).body).toMatchObject({ version: 1, label: 'stable', notes: 'first cut' });
    await get('/components/aos-shipper/configs/9').expect(404);
    await get('/components/lead-router').expect(404, { detail: 'Component not found' });

    // A run of the component, through AgentOS, pins the version it started with.
    const run = await request(stack.app).post('/workflows/aos-shipper/runs').set('Authorization', `Bearer ${keyOf('ops')}`).type('form').send({ message: 'v1.2', stream: 'false' }).expect(200);
    expect(run.body.step_requirements[0].confirmation_message).toBe('Really ship v1.2?');

    await request(stack.app).delete('/components/aos-shipper').set('Authorization', `Bearer ${keyOf('admin')}`).expect(204);
    await eventually(async () => {
      const list = await get('/workflows').expect(200);
      expect(list.body.find((w: { id: string }) => w.id === 'aos-shipper')).toBeUndefined();
    });
  });
});
