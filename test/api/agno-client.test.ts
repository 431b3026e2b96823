import { join } from 'node:path';
import { runPythonScript } from '../harness/python-clients';
import { keyOf, startStack, type TestStack } from '../harness/stack';
import { agnoDeploy } from '../clients/agno/agentos-harness';

type Step = Record<string, unknown> & { step: string };

// Agno's own client (agno 3.1.10, from PyPI, unchanged) against holdpoint's AgentOS face.
describe("Agno's AgentOSClient drives holdpoint", () => {
  let stack: TestStack;
  let steps: Record<string, Step>;
  let stderr: string;
  beforeAll(async () => {
    stack = await startStack({ definitions: [agnoDeploy] });
    const python = process.env.HOLDPOINT_TEST_PY_AGNO;
    if (!python) throw new Error('no Agno venv: run the tests through jest (test/harness/global-setup.ts builds it)');
    // dave starts, decides and cancels agno-deploy runs; alice (sales ops) picks lead-router's route.
    const result = await runPythonScript(python, join(__dirname, '../clients/agno/drive.py'), { 'base-url': stack.url, key: keyOf('dave'), 'approver-key': keyOf('alice') }, 150_000);
    steps = Object.fromEntries(result.results.map((r) => [String(r.step), r as Step]));
    stderr = result.stderr;
  }, 180_000);
  afterAll(() => stack.stop());

  it('reads the config, lists workflows and reads one', () => {
    expect(steps.config).toMatchObject({ type: 'ConfigResponse', os_id: 'holdpoint' });
    expect(steps.config!.workflows).toEqual(expect.arrayContaining(['agno-deploy', 'deploy-agent', 'lead-router']));
    expect(steps.list_workflows).toMatchObject({ types: ['WorkflowSummaryResponse'] });
    expect(steps.list_workflows!.ids).toEqual(expect.arrayContaining(['agno-deploy', 'billing-agent']));
    expect(steps.get_workflow).toMatchObject({
      type: 'WorkflowResponse',
      id: 'agno-deploy',
      name: 'Deploy (Agno client)',
      steps: [
        ['gather_data', 'Step'],
        ['detailed_analysis', 'Step'],
        ['report', 'Step'],
      ],
      has_input_schema: true,
    });
  });

  it('runs until the tool asks, then continues with a confirmation: the tool runs', () => {
    expect(steps.run_paused).toMatchObject({
      type: 'WorkflowRunOutput',
      workflow_id: 'agno-deploy',
      status: 'PAUSED',
      is_paused: true,
      pause_kind: 'executor',
      paused_step_name: 'detailed_analysis',
      content: null,
      step_results: ['gather_data'],
      requirements: ['StepRequirement'],
      active: 1,
      executor_resolution: 1,
      tool: 'deploy_to_production',
    });
    expect(steps.run_paused!.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(steps.continue_confirmed).toMatchObject({
      run_id: steps.run_paused!.run_id,
      session_id: steps.run_paused!.session_id,
      status: 'COMPLETED',
      is_paused: false,
      step_results: ['gather_data', 'detailed_analysis', 'report'],
      metrics: 'WorkflowMetrics',
    });
    expect((steps.continue_confirmed!.content as { summary: string }).summary).toMatch(/Successfully deployed payments v2.1 to production.*approved by dave/);
    expect(steps.continue_confirmed!.tools).toEqual([
      ['get_release_notes', null, expect.any(String)],
      ['deploy_to_production', true, expect.stringMatching(/"deployed":true/)],
    ]);
  });

  it('continues with a rejection: the tool does not run and the model hears the note', () => {
    expect(steps.continue_rejected).toMatchObject({ status: 'COMPLETED' });
    expect(steps.continue_rejected!.agent_text).toMatch(/rejected by dave: Not during the freeze/);
    expect(steps.continue_rejected!.tools).toEqual([
      ['get_release_notes', null, expect.any(String)],
      ['deploy_to_production', false, null],
    ]);
    expect((steps.continue_rejected!.content as { summary: string }).summary).toMatch(/deploy_to_production was rejected by dave/);
  });

  it('streams a run to WorkflowPaused, and a streamed continue to WorkflowCompleted', () => {
    expect(steps.stream_paused!.events).toEqual([
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
    expect(steps.stream_paused!.types).toEqual(['RunPausedEvent', 'StepExecutorPausedEvent', 'WorkflowPausedEvent']);
    expect(steps.stream_paused).toMatchObject({ pause_kind: 'executor' });
    expect(steps.stream_continued!.events).toEqual([
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
    expect(steps.stream_continued!.final).toBe('WorkflowCompletedEvent');
    expect((steps.stream_continued!.content as { summary: string }).summary).toMatch(/approved by dave/);
    expect(steps.stream_continued!.run_content).toEqual([expect.stringMatching(/^Deployment process: checks reviewed/)]);
  });

  it('selects a route with StepRequirement.select(), decided by the key that continues', () => {
    expect(steps.route_paused).toMatchObject({ status: 'PAUSED', pause_kind: 'step', paused_step_name: 'approval', choices: ['approve', 'reject', 'escalate'] });
    expect(steps.route_selected).toMatchObject({ status: 'COMPLETED', content: { decision: 'escalate', leadId: 'lead-agno' } });
  });

  it('cancels a paused run', () => {
    expect(steps.cancelled).toMatchObject({ returned: null, type: 'WorkflowRunSchema', status: 'CANCELLED', workflow_id: 'agno-deploy' });
  });

  it('reads sessions, a session, its runs, one run with its events, and run previews', () => {
    expect(steps.sessions).toMatchObject({ types: ['SessionSchema'] });
    expect(steps.sessions!.ids).toEqual(expect.arrayContaining([steps.run_paused!.session_id, steps.stream_paused!.session_id]));
    // A session is named after its first run's input (the message, as Python's json.dumps wrote it).
    expect(steps.sessions!.names).toContain('{"app": "payments", "version": "2.1", "environment": "production"}');
    expect(steps.session).toMatchObject({ type: 'WorkflowSessionDetailSchema', session_id: steps.run_paused!.session_id, workflow_id: 'agno-deploy' });
    expect(steps.session_runs).toMatchObject({ types: ['WorkflowRunSchema'], runs: [[steps.run_paused!.run_id, 'COMPLETED', 'end-user-7']] });
    expect(steps.session_run).toMatchObject({ type: 'WorkflowRunSchema', run_id: steps.run_paused!.run_id, status: 'COMPLETED' });
    expect(steps.session_run!.events).toEqual(expect.arrayContaining(['WorkflowStarted', 'StepExecutorPaused', 'WorkflowPaused', 'StepExecutorContinued', 'WorkflowCompleted']));
    expect(steps.run_previews).toMatchObject({ types: ['SessionRunPreviewSchema'], statuses: ['COMPLETED'] });
  });

  it('parsed every frame and answer without an error', () => {
    expect(steps.client_errors).toEqual({ step: 'client_errors', errors: [] });
    expect(stderr).not.toMatch(/Traceback|Unknown event type/);
  });
});
