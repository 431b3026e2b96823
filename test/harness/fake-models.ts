import { createServer, type Server } from 'node:http';

/** A request a stand-in provider received. */
export interface ModelRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/**
 * A local stand-in for a model provider's HTTP API, speaking its wire format, so the AI SDK's own
 * provider code is what runs in tests. `answer` decides each reply from the request; `hold` keeps a
 * reply back until released (a model call in flight while a worker dies).
 */
export class FakeProvider {
  readonly requests: ModelRequest[] = [];
  private server: Server | undefined;
  private held: (() => void)[] = [];
  /** Woken on every request (waitForRequests). */
  private arrived: (() => void)[] = [];
  hold = false;
  url = '';

  constructor(private readonly answer: (body: Record<string, unknown>, n: number) => Record<string, unknown>) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
        this.requests.push({ path: req.url ?? '', headers: req.headers, body });
        for (const wake of this.arrived.splice(0)) wake();
        const reply = () => {
          if (res.destroyed) return;
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.answer(body, this.requests.length)));
        };
        if (this.hold) this.held.push(reply);
        else reply();
      });
    });
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', () => done()));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/v1`;
    return this;
  }

  /** Answers every held request. */
  release(): void {
    this.hold = false;
    for (const reply of this.held.splice(0)) reply();
  }

  async waitForRequests(n: number, deadlineMs = 15_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    while (this.requests.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the provider stand-in got ${this.requests.length} requests, expected ${n}`);
      // Until the next request arrives, or the deadline.
      await new Promise<void>((done) => {
        const timer = setTimeout(done, left);
        this.arrived.push(() => {
          clearTimeout(timer);
          done();
        });
      });
    }
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }
}

/** Whether the conversation so far ends with a tool's result (the model's turn after a tool call). */
export function afterToolResult(body: Record<string, unknown>): boolean {
  const messages = body.messages as { role: string; content: unknown }[];
  const last = messages.at(-1)!;
  if (last.role === 'tool') return true; // OpenAI
  return Array.isArray(last.content) && (last.content as { type: string }[]).some((p) => p.type === 'tool_result'); // Anthropic
}

/** OpenAI chat completions: a tool call, or a final text. */
export function openAiReply(reply: { toolCall?: { id: string; name: string; args: unknown }; text?: string }): Record<string, unknown> {
  return {
    id: `chatcmpl-${Math.random().toString(36).slice(2)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: 'gpt-test',
    choices: [
      {
        index: 0,
        message: reply.toolCall
          ? { role: 'assistant', content: null, tool_calls: [{ id: reply.toolCall.id, type: 'function', function: { name: reply.toolCall.name, arguments: JSON.stringify(reply.toolCall.args) } }] }
          : { role: 'assistant', content: reply.text ?? '' },
        finish_reason: reply.toolCall ? 'tool_calls' : 'stop',
      },
    ],
    usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
  };
}

/** Anthropic messages: a tool_use block, or a final text. */
export function anthropicReply(reply: { toolCall?: { id: string; name: string; args: unknown }; text?: string }): Record<string, unknown> {
  return {
    id: `msg_${Math.random().toString(36).slice(2)}`,
    type: 'message',
    role: 'assistant',
    model: 'claude-test',
    content: reply.toolCall ? [{ type: 'tool_use', id: reply.toolCall.id, name: reply.toolCall.name, input: reply.toolCall.args }] : [{ type: 'text', text: reply.text ?? '' }],
    stop_reason: reply.toolCall ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 20, output_tokens: 9 },
  };
}
