import { keyOf, startStack, type TestStack, type Who } from '../harness/stack';
import { confirmTool, FormSse, gate, resolveActive, stepPauses, type Frame } from '../clients/agno/agentos-harness';

const release = JSON.stringify({ app: 'payments', version: '2.1', environment: 'production' });

// AgentOS' streams: a run streamed until it pauses, continued over a stream, and replayed on reconnect.
describe('AgentOS SSE: run until pause, continue, resume', () => {
  let stack: TestStack;
  const gated = gate();
  beforeAll(async () => {
    stack = await startStack({ handlers: gated.handlers, definitions: [...stepPauses, gated.definition] });
  });
  afterAll(async () => {
    gated.release(); // a test that failed half-way must not leave a task waiting
    await stack.stop();
  });

  const auth = (who: Who) => ({ Authorization: `Bearer ${keyOf(who)}` });
  const open = (path: string, fields: Record<string, string>, who: Who = 'ops') => FormSse.open(`${stack.url}${path}`, auth(who), fields);
  const names = (frames: Frame[]) => frames.map((f) => f.data.event);

  /** Every frame is `event: X` + `data: {"event": "X", ...}` with the keys Agno's dataclasses read. */
  const wellFormed = (frames: Frame[], runId: string) => {
    for (const f of frames) {
      expect(f.event).toBe(f.data.event);
      expect(Number.isInteger(f.data.created_at)).toBe(true);
      expect(f.data.nested_depth).toBe(0);
      expect(f.data.session_id).toEqual(expect.any(String));
      if ('agent_id' in f.data) expect(f.data.workflow_run_id).toBe(runId);
      else expect(f.data).toMatchObject({ run_id: runId, workflow_id: expect.any(String), workflow_name: expect.any(String) });
    }
  };

  it('streams deploy-agent to its tool pause, continues over a stream, and replays it all on resume', async () => {
    const sse = await open('/workflows/deploy-agent/runs', { message: release, session_id: 'sess-sse' });
    expect(sse.status).toBe(200);
    const upToPause = await sse.until(null);
    expect(names(upToPause)).toEqual([
      'WorkflowStarted',
      'StepStarted',
      'StepOutput',
      'StepCompleted',
      'StepStarted',
      'RunStarted',
      'ToolCallStarted',
      'ToolCallCompleted',
      'RunContentCompleted',
      'RunPaused',
      'StepExecutorPaused',
      'WorkflowPaused',
    ]);
    const runId = upToPause[0]!.data.run_id as string;
    wellFormed(upToPause, runId);
    expect(upToPause.map((f) => f.data.event_index)).toEqual(upToPause.map((_, i) => i));
    expect(upToPause[6]!.data.tool).toMatchObject({ tool_name: 'get_release_notes' });
    const paused = upToPause.at(-1)!.data;
    expect(paused).toMatchObject({ status: 'PAUSED', paused_step_name: 'detailed_analysis', paused_step_index: 1, pause_kind: 'executor', session_id: 'sess-sse' });
    const requirements = paused.step_requirements as Record<string, unknown>[];
    expect(requirements).toHaveLength(1);
    expect(upToPause[10]!.data).toMatchObject({ step_id: requirements[0]!.step_id, executor_requirements: requirements[0]!.executor_requirements });

    const cont = await open(`/workflows/deploy-agent/runs/${runId}/continue`, { step_requirements: resolveActive(requirements, (a) => confirmTool(a, true)), session_id: 'sess-sse' }, 'alice');
    const rest = await cont.until(null);
    expect(names(rest)).toEqual([
      'StepExecutorContinued',
      'RunContinued',
      'ToolCallStarted',
      'ToolCallCompleted',
      'RunContent',
      'RunContentCompleted',
      'RunCompleted',
      'StepCompleted',
      'StepStarted',
      'StepOutput',
      'StepCompleted',
      'WorkflowCompleted',
    ]);
    wellFormed(rest, runId);
    // Indices go on from where the first stream stopped.
    expect(rest.map((f) => f.data.event_index)).toEqual(rest.map((_, i) => upToPause.length + i));
    expect(rest[4]!.data.content).toMatch(/^Deployment process: checks reviewed/);
    expect((rest.at(-1)!.data.content as { summary: string }).summary).toMatch(/approved by alice/);
    expect(rest.at(-1)!.data.metrics).toMatchObject({ steps: { detailed_analysis: { executor_type: 'agent' } } });

    const replay = await (await open(`/workflows/deploy-agent/runs/${runId}/resume`, { last_event_index: '3', session_id: 'sess-sse' }, 'viewer')).until(null);
    const total = upToPause.length + rest.length;
    expect(replay[0]!.data).toEqual({
      event: 'replay',
      run_id: runId,
      status: 'COMPLETED',
      total_events: total - 4,
      total_buffered: total,
      last_event_index_requested: 3,
      message: `Run COMPLETED. Replaying ${total - 4} missed events (of ${total} total).`,
    });
    expect(replay.slice(1).map((f) => f.data)).toEqual([...upToPause, ...rest].slice(4).map((f) => f.data));
    const all = await (await open(`/workflows/deploy-agent/runs/${runId}/resume`, {}, 'viewer')).until(null);
    expect(all).toHaveLength(total + 1);
  });

  it('streams step pauses (StepPaused) and conditions, and a rejected step fails the run with WorkflowError', async () => {
    const first = await (await open('/workflows/aos-confirm/runs', { message: 'v9' })).until(null);
    expect(names(first)).toEqual(['WorkflowStarted', 'StepStarted', 'StepOutput', 'StepCompleted', 'StepPaused', 'WorkflowPaused']);
    const runId = first[0]!.data.run_id as string;
    expect(first[4]!.data).toMatchObject({ step_name: 'release', step_index: 1, requires_confirmation: true, confirmation_message: 'Release v9?', requires_user_input: false });
    const requirements = first.at(-1)!.data.step_requirements as Record<string, unknown>[];
    const cont = await (
      await open(`/workflows/aos-confirm/runs/${runId}/continue`, { step_requirements: resolveActive(requirements, (a) => Object.assign(a, { confirmed: true })) }, 'alice')
    ).until(null);
    expect(names(cont)).toEqual(['StepContinued', 'StepCompleted', 'StepStarted', 'StepOutput', 'StepCompleted', 'WorkflowCompleted']);
    expect(cont.at(-1)!.data.content).toEqual({ decision: 'approve' });

    const branch = await (await open('/workflows/aos-branch/runs', { message: 'go' })).until(null);
    expect(names(branch)).toEqual(['WorkflowStarted', 'ConditionExecutionStarted', 'StepPaused', 'WorkflowPaused']);
    expect(branch[1]!.data).toMatchObject({ step_name: 'gate', step_index: 0, condition_result: true });
    expect(branch[2]!.data).toMatchObject({ step_name: 'approve_go', step_index: [0, 0] });
    expect(branch[3]!.data).toMatchObject({ paused_step_name: 'gate', paused_step_index: 0, pause_kind: 'step' });
    const branchReqs = branch[3]!.data.step_requirements as Record<string, unknown>[];
    expect(branchReqs[0]).toMatchObject({ step_name: 'approve_go', step_index: 0 });
    const branchId = branch[0]!.data.run_id as string;
    const rejected = await (
      await open(`/workflows/aos-branch/runs/${branchId}/continue`, { step_requirements: resolveActive(branchReqs, (a) => Object.assign(a, { confirmed: false, rejection_feedback: 'no' })) }, 'alice')
    ).until(null);
    expect(names(rejected)).toEqual(['StepContinued', 'StepCompleted', 'ConditionExecutionCompleted', 'WorkflowError']);
    expect(rejected.at(-1)!.data).toMatchObject({ error: 'step "approve_go" was rejected by alice: no', error_type: 'rejected' });

    const skipped = await (await open('/workflows/aos-branch/runs', { message: 'stay' })).until(null);
    expect(names(skipped)).toEqual(['WorkflowStarted', 'ConditionExecutionStarted', 'ConditionExecutionCompleted', 'StepStarted', 'StepOutput', 'StepCompleted', 'WorkflowCompleted']);
    expect(skipped[1]!.data.condition_result).toBe(false);
  });

  it('streams an agent pause inside a condition, and a streamed continue finishes the run', async () => {
    const first = await (await open('/workflows/deploy-agent-condition/runs', { message: release })).until(null);
    const paused = first.at(-1)!.data;
    expect(paused).toMatchObject({ event: 'WorkflowPaused', paused_step_name: 'production_only', paused_step_index: 1, pause_kind: 'executor' });
    const requirements = paused.step_requirements as Record<string, unknown>[];
    expect(requirements[0]).toMatchObject({ step_name: 'production_analysis', step_index: 1, executor_id: 'production_analysis' });
    expect(names(first)).toContain('ConditionExecutionStarted');
    // Agno 3.1.10 marks such an agent run cancelled and cannot continue it; holdpoint can.
    const rest = await (
      await open(`/workflows/deploy-agent-condition/runs/${paused.run_id as string}/continue`, { step_requirements: resolveActive(requirements, (a) => confirmTool(a, true)) }, 'alice')
    ).until(null);
    expect(names(rest)).toEqual(expect.arrayContaining(['StepExecutorContinued', 'RunCompleted', 'ConditionExecutionCompleted', 'WorkflowCompleted']));
    expect(names(rest)).not.toContain('WorkflowError');
  });

  it('catches up with a running run on resume, then follows it live until it pauses', async () => {
    const start = await open('/workflows/aos-gated/runs', { message: 'slow one' });
    const early = await start.until('StepStarted');
    const runId = early[0]!.data.run_id as string;
    await start.until('StepCompleted');
    start.close();

    const resumed = await open(`/workflows/aos-gated/runs/${runId}/resume`, { last_event_index: '0' }, 'viewer');
    const caught = await resumed.until('subscribed');
    expect(caught[0]!.data).toMatchObject({ event: 'catch_up', run_id: runId, status: 'running', message: expect.stringMatching(/^Catching up on \d+ missed events\.$/) });
    expect(caught.at(-1)!.data).toMatchObject({ event: 'subscribed', run_id: runId, status: 'running', message: 'Subscribed to workflow run. Receiving live events.' });
    const missed = caught.slice(1, -1);
    expect(missed[0]!.data.event_index).toBe(1);
    expect(caught[0]!.data.missed_events).toBe(missed.length);

    gated.release();
    const all = await resumed.until(null);
    expect(names(all).slice(-4)).toEqual(['StepOutput', 'StepCompleted', 'StepPaused', 'WorkflowPaused']);
    const indices = all.filter((f) => f.data.event_index !== undefined).map((f) => f.data.event_index);
    expect(indices).toEqual(indices.map((_, i) => i + 1));
  });

  it('answers a resume of an unknown run with an error event', async () => {
    const frames = await (await open('/workflows/aos-confirm/runs/wfr_nope/resume', { last_event_index: '2' }, 'viewer')).until(null);
    expect(frames).toEqual([{ event: 'error', data: { event: 'error', error: 'Run wfr_nope not found in buffer or database' } }]);
  });
});
