import type { AgentOutput } from '../../src/contracts/agent';
import type { Definition } from '../../src/contracts/definition';
import { afterToolResult, anthropicReply, FakeProvider, openAiReply } from '../harness/fake-models';
import { closed, start, startStack, type TestStack } from '../harness/stack';

const sideEffects = new Map<string, unknown>();

/** Every payload of a run's history, decoded: what anyone reading the history in Temporal sees. */
async function historyText(stack: TestStack, runId: string): Promise<string> {
  const raw = JSON.stringify(await stack.client.workflow.getHandle(runId).fetchHistory());
  const decoded = [...raw.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8'));
  return `${raw}\n${decoded.join('\n')}`;
}

const agentWith = (name: string, model: unknown): Definition => ({
  name,
  steps: [
    {
      name: 'agent',
      type: 'agent',
      instructions: 'You check deployments.',
      model: model as never,
      tools: [
        {
          name: 'deploy',
          handler: 'deployOnce',
          description: 'Deploy an app version',
          input_schema: { type: 'object', properties: { app: { type: 'string' }, version: { type: 'string' } }, required: ['app', 'version'] },
        },
      ],
    },
  ],
});

// The provider path: the AI SDK's own OpenAI, Anthropic and OpenAI-compatible code against local
// servers speaking each provider's wire format, tool calls included.
describe('agent steps on real provider clients', () => {
  let stack: TestStack;
  let openai: FakeProvider;
  let anthropic: FakeProvider;
  let compatible: FakeProvider;
  const toolCall = { id: 'call_1', name: 'deploy', args: { app: 'payments', version: '2.1' } };

  beforeAll(async () => {
    openai = await new FakeProvider((body) => openAiReply(afterToolResult(body) ? { text: 'Deployed payments 2.1.' } : { toolCall })).start();
    anthropic = await new FakeProvider((body) => anthropicReply(afterToolResult(body) ? { text: 'Done with the deploy.' } : { toolCall: { ...toolCall, id: 'toolu_1' } })).start();
    compatible = await new FakeProvider((body) => openAiReply(afterToolResult(body) ? { text: 'ok from llama' } : { toolCall })).start();
    stack = await startStack({
      handlers: {
        deployOnce: (input: unknown, ctx) => {
          sideEffects.set(ctx.idempotencyKey, input);
          return { deployed: true };
        },
      },
      definitions: [
        agentWith('agent-openai', 'openai:gpt-test'),
        agentWith('agent-anthropic', 'anthropic:claude-test'),
        agentWith('agent-compatible', { provider: 'openai-compatible', name: 'llama3.1', base_url: compatible.url, api_key_env: 'LOCAL_LLM_KEY' }),
        agentWith('agent-nokey', { provider: 'anthropic', name: 'claude-test', api_key_env: 'NOT_SET_ANYWHERE' }),
      ],
      modelEnv: {
        OPENAI_API_KEY: 'sk-test-openai-secret',
        OPENAI_BASE_URL: openai.url,
        ANTHROPIC_API_KEY: 'sk-ant-test-secret',
        ANTHROPIC_BASE_URL: anthropic.url,
        LOCAL_LLM_KEY: 'local-secret',
      },
    });
  });
  afterAll(async () => {
    await stack.stop();
    await Promise.all([openai.stop(), anthropic.stop(), compatible.stop()]);
  });

  async function finished(runId: string): Promise<AgentOutput> {
    expect(await closed(stack.client, runId)).toBe('COMPLETED');
    return (await stack.http().get(`/v1/workflow-runs/${runId}`).expect(200)).body.output.result as AgentOutput;
  }

  it('speaks OpenAI chat completions: tools offered, the tool call run, its result sent back', async () => {
    const run = await start(stack, 'agent-openai', { input: { task: 'Deploy payments 2.1' } }, '?wait=0').expect(200);
    const output = await finished(run.body.run_id);
    expect(output.text).toBe('Deployed payments 2.1.');
    expect(output.tool_calls).toMatchObject([{ id: 'call_1', name: 'deploy', args: { app: 'payments', version: '2.1' }, status: 'ran', result: { deployed: true } }]);
    const [first, second] = openai.requests.slice(-2);
    expect(first!.path).toBe('/v1/chat/completions');
    expect(first!.headers.authorization).toBe('Bearer sk-test-openai-secret');
    expect(first!.body).toMatchObject({
      model: 'gpt-test',
      messages: [{ role: 'system', content: 'You check deployments.' }, { role: 'user', content: 'Deploy payments 2.1' }],
      tools: [{ type: 'function', function: { name: 'deploy', description: 'Deploy an app version' } }],
    });
    expect((second!.body.messages as { role: string; tool_call_id?: string; content?: string }[]).at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_1', content: '{"deployed":true}' });
    expect(output.usage).toEqual({ input_tokens: 24, output_tokens: 14 });
  });

  it('speaks Anthropic messages: tool_use, then tool_result', async () => {
    const run = await start(stack, 'agent-anthropic', { input: { task: 'Deploy payments 2.1' } }, '?wait=0').expect(200);
    const output = await finished(run.body.run_id);
    expect(output.text).toBe('Done with the deploy.');
    const [first, second] = anthropic.requests.slice(-2);
    expect(first!.path).toBe('/v1/messages');
    expect(first!.headers['x-api-key']).toBe('sk-ant-test-secret');
    expect(first!.body).toMatchObject({ model: 'claude-test', system: [{ type: 'text', text: 'You check deployments.' }], tools: [{ name: 'deploy', input_schema: { required: ['app', 'version'] } }] });
    const last = (second!.body.messages as { role: string; content: { type: string; tool_use_id?: string }[] }[]).at(-1)!;
    expect(last.content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_1' });
  });

  it('reaches any OpenAI-compatible endpoint named in the definition, with the key from the variable it names', async () => {
    const run = await start(stack, 'agent-compatible', { input: { task: 'Deploy' } }, '?wait=0').expect(200);
    expect((await finished(run.body.run_id)).text).toBe('ok from llama');
    expect(compatible.requests[0]!.headers.authorization).toBe('Bearer local-secret');
    expect(compatible.requests[0]!.body.model).toBe('llama3.1');
  });

  it('keeps keys out of the run: nothing in its history, and a missing key fails the step saying which variable', async () => {
    const run = await start(stack, 'agent-openai', { input: { task: 'Deploy' } }, '?wait=0').expect(200);
    await finished(run.body.run_id);
    const history = await historyText(stack, run.body.run_id);
    expect(history).toContain('model openai:gpt-test (turn 1)');
    expect(history).not.toContain('sk-test-openai-secret');

    const failing = await start(stack, 'agent-nokey', { input: { task: 'Deploy' } }).expect(200);
    expect(failing.body.output.status).toBe('failed');
    expect(failing.body.output.error).toMatch(/NOT_SET_ANYWHERE is not set on the worker/);
  });

  it('survives a worker dying while the model thinks: the call is retried and the tool runs once', async () => {
    sideEffects.clear();
    const before = openai.requests.length;
    openai.hold = true;
    const run = await start(stack, 'agent-openai', { input: { task: 'Deploy once' } }, '?wait=0').expect(200);
    await openai.waitForRequests(before + 1);
    await stack.worker.stop();
    openai.release();
    stack.worker = await stack.startWorker();
    const output = await finished(run.body.run_id);
    expect(output.text).toBe('Deployed payments 2.1.');
    expect(sideEffects.size).toBe(1);
    // The first call was cut off with its worker; a second worker asked again.
    expect(openai.requests.length - before).toBeGreaterThanOrEqual(3);
    const history = await stack.client.workflow.getHandle(run.body.run_id).fetchHistory();
    const completedModelCalls = (history.events ?? []).filter((e) => e.activityTaskCompletedEventAttributes).length;
    expect(completedModelCalls).toBe(3); // model, tool, model: each recorded once
  });
});
