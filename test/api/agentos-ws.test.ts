import { keyOf, startStack, type TestStack } from '../harness/stack';
import { AgentOsSocket, gate, stepPauses } from '../clients/agno/agentos-harness';

// AgentOS' WebSocket: authenticate with the bare key, start, continue and reconnect to runs.
describe('AgentOS WebSocket at /workflows/ws', () => {
  let stack: TestStack;
  let url: string;
  const gated = gate();
  beforeAll(async () => {
    stack = await startStack({ handlers: gated.handlers, definitions: [...stepPauses, gated.definition] });
    url = `${stack.url.replace('http', 'ws')}/workflows/ws`;
  });
  afterAll(async () => {
    gated.release(); // a test that failed half-way must not leave a task waiting
    await stack.stop();
  });

  const authed = async (who: Parameters<typeof keyOf>[0] = 'admin') => {
    const socket = await AgentOsSocket.open(url);
    await socket.until('connected');
    socket.send({ action: 'authenticate', token: keyOf(who) });
    await socket.until('authenticated');
    return socket;
  };
  const events = (messages: { data: Record<string, unknown> }[]) => messages.map((m) => m.data.event);

  it('refuses every action until the socket authenticates with the bare key', async () => {
    const socket = await AgentOsSocket.open(url);
    expect((await socket.until('connected'))[0]!.data).toEqual({ event: 'connected', message: 'Connected to AgentOS. Please authenticate to continue.', requires_auth: true });
    socket.send({ action: 'ping' });
    expect((await socket.until('auth_required'))[0]!.data).toEqual({ event: 'auth_required', error: 'Authentication required. Send authenticate action with valid bearer token.' });
    socket.send({ action: 'authenticate', token: 'wrong' });
    expect((await socket.until('auth_error'))[0]!.data).toEqual({ event: 'auth_error', error: 'Invalid token' });
    socket.send({ action: 'authenticate' });
    expect((await socket.until('auth_error'))[0]!.data).toEqual({ event: 'auth_error', error: 'Token is required' });
    socket.send({ action: 'authenticate', token: `Bearer ${keyOf('ops')}` });
    expect((await socket.until('auth_error'))[0]!.data.error).toBe('Invalid token');
    socket.send({ action: 'start-workflow', workflow_id: 'aos-confirm', message: 'x' });
    await socket.until('auth_required');
    socket.send({ action: 'authenticate', token: keyOf('ops') });
    expect((await socket.until('authenticated'))[0]!.data).toEqual({ event: 'authenticated', message: 'Authentication successful. You can now send commands.' });
    socket.send({ action: 'ping' });
    await socket.until('pong');
    socket.send({ action: 'bogus' });
    expect((await socket.until('error'))[0]!.data).toEqual({ event: 'error', error: 'Unknown action: bogus' });
    socket.send({ action: 'start-workflow', message: 'x' });
    expect((await socket.until('error'))[0]!.data.error).toBe('workflow_id is required');
    socket.send({ action: 'start-workflow', workflow_id: 'nope', message: 'x' });
    expect((await socket.until('error'))[0]!.data.error).toBe('Workflow nope not found');
    socket.close();
  });

  it('starts a run to its pause (SSE-framed events), continues it from another socket, and replays it on reconnect', async () => {
    const starter = await authed('ops');
    starter.send({ action: 'start-workflow', workflow_id: 'aos-confirm', message: 'v10', session_id: 'ws-session' });
    const started = await starter.until('WorkflowPaused');
    expect(events(started)).toEqual(['WorkflowStarted', 'StepStarted', 'StepOutput', 'StepCompleted', 'StepPaused', 'WorkflowPaused']);
    expect(started.every((m) => m.framing === 'sse')).toBe(true);
    expect(started.map((m) => m.data.event_index)).toEqual([0, 1, 2, 3, 4, 5]);
    const paused = started.at(-1)!.data;
    const runId = paused.run_id as string;
    expect(paused).toMatchObject({ session_id: 'ws-session', pause_kind: 'step', paused_step_name: 'release' });

    // Another socket reconnects while the run waits: the whole log, as plain JSON.
    const watcher = await authed('viewer');
    watcher.send({ action: 'reconnect', run_id: runId, workflow_id: 'aos-confirm', session_id: 'ws-session', last_event_index: 3 });
    const replay = await watcher.until('WorkflowPaused');
    expect(replay[0]!.data).toEqual({ event: 'replay', run_id: runId, status: 'PAUSED', total_events: 6, message: 'Run PAUSED. Replaying all events.' });
    expect(replay.slice(1).map((m) => m.data)).toEqual(started.map((m) => m.data));
    expect(replay.every((m) => m.framing === 'json')).toBe(true);

    const approver = await authed('alice');
    const requirements = (paused.step_requirements as Record<string, unknown>[]).map((r) => ({ ...r, confirmed: true }));
    approver.send({ action: 'continue-workflow', workflow_id: 'aos-confirm', run_id: runId, session_id: 'ws-session', step_requirements: requirements });
    const continued = await approver.until('WorkflowCompleted');
    expect(events(continued)).toEqual(['StepContinued', 'StepCompleted', 'StepStarted', 'StepOutput', 'StepCompleted', 'WorkflowCompleted']);
    expect(continued.map((m) => m.data.event_index)).toEqual([6, 7, 8, 9, 10, 11]);
    expect(continued.at(-1)!.data.content).toEqual({ decision: 'approve' });

    approver.send({ action: 'continue-workflow', workflow_id: 'aos-confirm', run_id: runId, session_id: 'ws-session', step_requirements: requirements });
    expect((await approver.until('error'))[0]!.data.error).toBe('Run is not paused (status=COMPLETED)');
    approver.send({ action: 'reconnect', run_id: 'wfr_nope' });
    expect((await approver.until('error'))[0]!.data.error).toBe('Run wfr_nope not found in buffer or database');
    for (const s of [starter, watcher, approver]) s.close();
  });

  it('catches a reconnecting socket up with a running run, then sends its live events as JSON', async () => {
    const starter = await authed('ops');
    starter.send({ action: 'start-workflow', workflow_id: 'aos-gated', message: 'slow' });
    const early = await starter.until('StepCompleted');
    const runId = early[0]!.data.run_id as string;
    starter.close();

    const again = await authed('viewer');
    again.send({ action: 'reconnect', run_id: runId, workflow_id: 'aos-gated', last_event_index: 1 });
    const caught = await again.until('subscribed');
    expect(caught[0]!.data).toMatchObject({ event: 'catch_up', run_id: runId, status: 'running' });
    expect(caught.slice(1, -1).map((m) => m.data.event_index)[0]).toBe(2);
    expect(caught.at(-1)!.data).toMatchObject({ event: 'subscribed', message: 'Subscribed to workflow run. You will receive new events as they occur.' });
    gated.release();
    const live = await again.until('WorkflowPaused');
    expect(events(live).slice(-2)).toEqual(['StepPaused', 'WorkflowPaused']);
    expect(live.every((m) => m.framing === 'json')).toBe(true);
    again.close();
  });
});
