import WebSocket from 'ws';
import type { TaskHandlers } from '../../../src/activities/tasks';
import type { Definition, Step } from '../../../src/contracts/definition';
import { deployAgent } from '../../../src/definitions/deploy-agent';

/**
 * What the AgentOS tests share: definitions that exercise each pause kind through the face, their
 * handlers, and clients for AgentOS' streams (form-encoded SSE, and the WebSocket's mixed framing).
 */

/** deploy-agent as anyone may decide it (no assignees, no comment rule): what Agno's client drives. */
export const agnoDeploy: Definition = {
  ...deployAgent,
  name: 'agno-deploy',
  title: 'Deploy (Agno client)',
  steps: deployAgent.steps.map((step) =>
    step.type === 'agent'
      ? { ...step, model: 'scripted', tools: step.tools!.map(({ assignees: _a, reject_requires_comment: _r, ...tool }) => tool) }
      : step,
  ) as Step[],
};

const echo = (name: string, input?: Record<string, string>): Step => ({ name, type: 'task', handler: 'echo', ...(input ? { input } : {}) });

export const stepPauses: Definition[] = [
  {
    name: 'aos-confirm',
    title: 'Confirm a release',
    steps: [
      echo('prepare', { what: 'task' }),
      { name: 'release', type: 'confirmation', message: 'Release {{ task }}?', on_reject: 'continue' },
      echo('publish', { decision: 'steps.release.output' }),
    ],
    result: 'steps.publish.output',
  },
  {
    name: 'aos-input',
    steps: [
      {
        name: 'details',
        type: 'input',
        message: 'Who gets the invoice?',
        input_schema: {
          type: 'object',
          properties: { email: { type: 'string', description: 'Billing e-mail' }, priority: { type: 'integer' }, tier: { enum: ['gold', 'silver'] } },
          required: ['email', 'priority'],
        },
      },
      echo('send', { to: 'steps.details.output.email' }),
    ],
    result: 'steps.send.output',
  },
  {
    name: 'aos-question',
    steps: [
      { name: 'plan', type: 'question', message: 'Pick a plan', questions: [{ question: 'Which plan?', header: 'Plan', options: [{ label: 'basic' }, { label: 'pro' }] }] },
    ],
    result: 'steps.plan.output',
  },
  {
    name: 'aos-review',
    steps: [
      echo('draft', { text: 'task' }),
      { name: 'check', type: 'output_review', message: 'Is the draft right?', review: 'draft' },
      echo('ship', { text: 'steps.draft.output.text' }),
    ],
    result: 'steps.ship.output',
  },
  {
    name: 'aos-branch',
    steps: [
      { name: 'gate', type: 'condition', expression: 'task = "go"', branches: { true: [{ name: 'approve_go', type: 'confirmation', message: 'Go?' }] } },
      echo('after', { done: 'task' }),
    ],
  },
];

const agentWith = (name: string, tool: Record<string, unknown>, script: unknown[]): Definition => ({
  name,
  steps: [{ name: 'assistant', type: 'agent', title: 'Assistant', instructions: 'Help.', model: 'scripted', tools: [tool], script } as never],
});

export const toolPauses: Definition[] = [
  agentWith(
    'aos-notify',
    {
      name: 'send_notification',
      handler: 'echo',
      input_schema: { type: 'object', properties: { channel: { type: 'string' }, recipient: { type: 'string' }, priority: { type: 'integer' } }, required: ['channel', 'recipient', 'priority'] },
      requires_user_input: true,
      user_input_fields: ['recipient', 'priority'],
    },
    [{ tool_calls: [{ name: 'send_notification', args: { channel: 'ops' } }] }, { text: 'Notified: {{tool_result}}' }],
  ),
  agentWith('aos-shell', { name: 'run_shell', external_execution: true, input_schema: { type: 'object', properties: { command: { type: 'string' } } } }, [
    { tool_calls: [{ name: 'run_shell', args: { command: 'kubectl rollout status' } }] },
    { text: 'Shell said: {{tool_result}}' },
  ]),
  agentWith('aos-admin', { name: 'delete_account', handler: 'echo', approval: 'required', input_schema: { type: 'object', properties: { user: { type: 'string' } } } }, [
    { tool_calls: [{ name: 'delete_account', args: { user: 'mallory' } }] },
    { text: 'Deletion: {{tool_result}}' },
  ]),
];

/** A task that waits until the test lets it go: a run that is running for as long as a test needs. */
export function gate(): { handlers: TaskHandlers; release: () => void; definition: Definition } {
  let open: () => void = () => undefined;
  let opened = new Promise<void>((done) => (open = done));
  return {
    handlers: {
      echo: (input: unknown) => input ?? null,
      waitForGate: async () => {
        await opened;
        return { released: true };
      },
    },
    release: () => {
      open();
      opened = Promise.resolve();
    },
    definition: {
      name: 'aos-gated',
      steps: [echo('first', { n: '1' }), { name: 'slow', type: 'task', handler: 'waitForGate', timeout: '1m' }, { name: 'ok', type: 'confirmation', message: 'Fine?' }],
    },
  };
}

export interface Frame {
  event?: string;
  data: Record<string, unknown>;
}

/** An AgentOS SSE response read as it arrives (form fields in, `event:`/`data:` frames out). */
export class FormSse {
  readonly frames: Frame[] = [];
  status = 0;
  ended = false;
  private wake: (() => void) | undefined;
  private constructor(private readonly abort: AbortController) {}

  static async open(url: string, headers: Record<string, string>, fields: Record<string, string>): Promise<FormSse> {
    const abort = new AbortController();
    const sse = new FormSse(abort);
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields), signal: abort.signal });
    sse.status = response.status;
    void sse.pump(response);
    return sse;
  }

  private async pump(response: globalThis.Response): Promise<void> {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let event: string | undefined;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let i: number;
        while ((i = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, i);
          buffer = buffer.slice(i + 1);
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) {
            this.frames.push({ ...(event ? { event } : {}), data: JSON.parse(line.slice(6)) as Record<string, unknown> });
            event = undefined;
            this.wake?.();
          }
        }
      }
    } catch {
      // aborted
    }
    this.ended = true;
    this.wake?.();
  }

  /** Waits for a frame whose event name matches (returns the frames so far), or the end of the stream. */
  async until(name: string | null, deadlineMs = 20_000): Promise<Frame[]> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      if (name !== null && this.frames.some((f) => f.data.event === name)) return this.frames;
      if (this.ended) {
        if (name === null) return this.frames;
        throw new Error(`stream ended without ${name}: ${this.names().join(', ')}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${name ?? 'end'} within ${deadlineMs} ms: ${this.names().join(', ')}`);
      await new Promise<void>((done) => {
        const timer = setTimeout(done, left);
        this.wake = () => {
          clearTimeout(timer);
          done();
        };
      });
    }
  }

  names(): string[] {
    return this.frames.map((f) => String(f.data.event));
  }

  close(): void {
    this.abort.abort();
  }
}

/** A client of `/workflows/ws`: JSON control messages and SSE-text run events, both parsed. */
export class AgentOsSocket {
  readonly messages: { framing: 'json' | 'sse'; data: Record<string, unknown> }[] = [];
  private wake: (() => void) | undefined;
  closed = false;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const text = raw.toString();
      const data = text.startsWith('event: ') ? (JSON.parse(/\ndata: (.*)\n/.exec(text)![1]!) as Record<string, unknown>) : (JSON.parse(text) as Record<string, unknown>);
      this.messages.push({ framing: text.startsWith('event: ') ? 'sse' : 'json', data });
      this.wake?.();
    });
    ws.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static open(url: string): Promise<AgentOsSocket> {
    const ws = new WebSocket(url);
    const socket = new AgentOsSocket(ws);
    return new Promise((done, fail) => {
      ws.once('open', () => done(socket));
      ws.once('error', fail);
    });
  }

  send(message: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message));
  }

  /** Messages up to and including the first whose `event` is `name` (removed from the queue). */
  async until(name: string, deadlineMs = 20_000): Promise<{ framing: 'json' | 'sse'; data: Record<string, unknown> }[]> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const i = this.messages.findIndex((m) => m.data.event === name);
      if (i >= 0) return this.messages.splice(0, i + 1);
      if (this.closed) throw new Error(`socket closed before ${name}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${name} within ${deadlineMs} ms: ${this.messages.map((m) => m.data.event).join(', ')}`);
      await new Promise<void>((done) => {
        const timer = setTimeout(done, left);
        this.wake = () => {
          clearTimeout(timer);
          done();
        };
      });
    }
  }

  close(): void {
    this.ws.close();
  }
}

/** Resolves the active (last) requirement of a paused run's `step_requirements`, as a client would. */
export function resolveActive(requirements: Record<string, unknown>[], resolve: (active: Record<string, unknown>) => void): string {
  const copy = JSON.parse(JSON.stringify(requirements)) as Record<string, unknown>[];
  resolve(copy[copy.length - 1]!);
  return JSON.stringify(copy);
}

/** Confirms (or rejects, with a note) the tool call of an executor requirement, as `RunRequirement.confirm()` does. */
export function confirmTool(active: Record<string, unknown>, confirmed: boolean, note?: string): void {
  for (const er of active.executor_requirements as Record<string, unknown>[]) {
    const te = er.tool_execution as Record<string, unknown>;
    er.confirmation = confirmed;
    te.confirmed = confirmed;
    if (!confirmed && note) {
      er.confirmation_note = note;
      te.confirmation_note = note;
    }
  }
}
