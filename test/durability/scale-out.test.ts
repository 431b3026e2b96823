import type { TaskHandlers } from '../../src/activities/tasks';
import { definition } from '../harness/definitions';
import { closed, keyOf, startStack, type TestStack, type Who } from '../harness/stack';

// Two gateways and two workers on one task queue, as a scaled-out deployment runs them: a run
// started through one gateway is decided through the other, and its task steps run on whichever
// worker Temporal hands them to.
describe('scale-out: two gateways, two workers, one task queue', () => {
  let a: TestStack;
  let b: TestStack;
  /** Which worker ran each task step: worker name → run ids. */
  const ran: Record<string, string[]> = { 'worker-a': [], 'worker-b': [] };
  const recording = (worker: string): TaskHandlers => ({
    whoRuns: (_input: unknown, ctx: { runId: string }) => {
      ran[worker]!.push(ctx.runId);
      return { worker };
    },
  });
  const spread = definition(
    'spread',
    [
      { name: 'first', type: 'task', handler: 'whoRuns' },
      { name: 'approval', type: 'confirmation', message: 'Go on?', assignees: ['group:finance'] },
      { name: 'second', type: 'task', handler: 'whoRuns' },
    ],
    { result: '[steps.first.output.worker, steps.second.output.worker]' },
  );

  beforeAll(async () => {
    a = await startStack({ handlers: recording('worker-a'), definitions: [spread] });
    b = await startStack({ handlers: recording('worker-b'), definitions: [spread], taskQueue: a.taskQueue });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  /** A real HTTP call to one gateway's port. */
  const call = async (stack: TestStack, who: Who, path: string, body: unknown) => {
    const res = await fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': keyOf(who) }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  it('starts runs on one gateway, decides them on the other, and spreads their task steps over both workers', async () => {
    expect(a.url).not.toBe(b.url);
    const runs = 16;
    const results = await Promise.all(
      Array.from({ length: runs }, async (_, i) => {
        const [starter, decider] = i % 2 === 0 ? [a, b] : [b, a];
        const started = await call(starter, 'ops', '/v1/agents/spread/workflow?wait=15s', { input: { task: `scale-out ${i}`, state: { i } } });
        expect(started.status).toBe(200);
        expect(started.body.output.status).toBe('paused');
        const requestId: string = started.body.output.pendingAction.request_id;
        const decided = await call(decider, 'alice', `/v1/approvals/${requestId}/decision?wait=15s`, { value: 'approve' });
        expect(decided.status).toBe(200);
        return { runId: started.body.run_id as string, startedOn: starter === a ? 'a' : 'b', decidedOn: decider === a ? 'a' : 'b', answer: decided.body };
      }),
    );

    for (const r of results) {
      expect(r.startedOn).not.toBe(r.decidedOn);
      expect(await closed(a.client, r.runId)).toBe('COMPLETED');
      // Read back through the gateway that did not start it: either gateway sees every run.
      const read = await (r.startedOn === 'a' ? b : a).http().get(`/v1/workflow-runs/${r.runId}`).expect(200);
      expect(read.body.status).toBe('completed');
      expect(read.body.output.steps.find((s: { name: string }) => s.name === 'approval').decision).toMatchObject({ by: 'alice', value: 'approve' });
      const result = read.body.output.result as string[];
      expect(result).toHaveLength(2);
      for (const worker of result) expect(['worker-a', 'worker-b']).toContain(worker);
    }
    // Each task step ran once, and both workers took some.
    expect(ran['worker-a']!.length + ran['worker-b']!.length).toBe(runs * 2);
    expect(ran['worker-a']!.length).toBeGreaterThan(0);
    expect(ran['worker-b']!.length).toBeGreaterThan(0);
  });
});
