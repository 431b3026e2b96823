import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4Content, LanguageModelV4GenerateResult } from '@ai-sdk/provider';
import type { ScriptedTurn } from '../../contracts/agent';

/**
 * A model that plays a script: the n-th call answers with the script's n-th turn (tool calls, a text,
 * or a structured object). It implements the AI SDK's model interface, so it runs through exactly the
 * same code as a real provider. `{{tool_result}}` in a text is replaced by the latest tool result the
 * model was given, so a script can show what a rejection's feedback told it.
 */
export class ScriptedModel implements LanguageModelV4 {
  readonly specificationVersion = 'v4';
  readonly provider = 'holdpoint';
  readonly modelId = 'scripted';
  readonly supportedUrls = {};

  constructor(
    private readonly script: readonly ScriptedTurn[],
    private readonly purpose?: 'plan',
  ) {}

  async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    const turn = options.prompt.filter((m) => m.role === 'assistant').length;
    const acting = this.script.filter((t) => t.plan === undefined);
    const step: ScriptedTurn =
      this.purpose === 'plan'
        ? { plan: this.script.filter((t) => t.plan !== undefined)[turn]?.plan ?? planFrom(acting, turn, lastUserText(options)) }
        : (acting[turn] ?? { text: acting.length === 0 ? 'Done.' : 'Done: the script has no more turns.' });
    const content: LanguageModelV4Content[] = [];
    if (step.plan !== undefined) {
      content.push({ type: 'text', text: step.plan });
    } else if (step.tool_calls) {
      step.tool_calls.forEach((call, i) =>
        content.push({ type: 'tool-call', toolCallId: `call_${turn + 1}_${i + 1}`, toolName: call.name, input: JSON.stringify(call.args) }),
      );
    } else if (step.object !== undefined) {
      content.push({ type: 'text', text: JSON.stringify(step.object) });
    } else {
      content.push({ type: 'text', text: (step.text ?? '').replace(/\{\{\s*tool_result\s*\}\}/g, lastToolResult(options)) });
    }
    const words = JSON.stringify(content).length / 4;
    return {
      content,
      finishReason: { unified: step.tool_calls ? 'tool-calls' : 'stop', raw: step.tool_calls ? 'tool_calls' : 'stop' },
      usage: {
        inputTokens: { total: Math.ceil(JSON.stringify(options.prompt).length / 4), noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: Math.ceil(words), text: Math.ceil(words), reasoning: undefined },
      },
      warnings: [],
    };
  }

  doStream(): never {
    throw new Error('the scripted model does not stream');
  }
}

/** A plan made from the script's tool calls, for scripts that give none: what the agent will do, in order. */
function planFrom(turns: readonly ScriptedTurn[], revision: number, feedback: string | undefined): string {
  const calls = turns.flatMap((t) => t.tool_calls ?? []);
  const lines = calls.map((c, i) => `${i + 1}. Call ${c.name} with ${JSON.stringify(c.args)}.`);
  lines.push(`${calls.length + 1}. Report the outcome.`);
  const header = revision === 0 ? 'Plan:' : `Plan (revision ${revision + 1}, after your feedback: "${feedback ?? ''}"):`;
  return [header, ...lines].join('\n');
}

function lastUserText(options: LanguageModelV4CallOptions): string | undefined {
  const last = [...options.prompt].reverse().find((m) => m.role === 'user');
  if (!last || last.role !== 'user') return undefined;
  return last.content.map((p) => (p.type === 'text' ? p.text : '')).join('').replace(/^Revise the plan\. Feedback: /, '');
}

function lastToolResult(options: LanguageModelV4CallOptions): string {
  for (let i = options.prompt.length - 1; i >= 0; i--) {
    const message = options.prompt[i]!;
    if (message.role !== 'tool') continue;
    const part = [...message.content].reverse().find((p) => p.type === 'tool-result');
    if (!part || part.type !== 'tool-result') continue;
    const output = part.output as { type: string; value?: unknown };
    return typeof output.value === 'string' ? output.value : JSON.stringify(output.value ?? null);
  }
  return '';
}
