/**
 * The agent step's contracts that workflow code uses: which model, the conversation, the model call
 * activity's input and output, and a loop's state as continue-as-new carries it. Zod-free (the
 * definition schemas are in definition.ts).
 */

/** Model providers an agent step can use. `scripted` plays a script from the definition (offline). */
export type ModelProvider = 'openai' | 'anthropic' | 'openai-compatible' | 'scripted' | 'default';

/**
 * Which model to call. Keys never appear here: they come from the worker's environment
 * (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `OPENAI_COMPATIBLE_API_KEY`, or the variable `api_key_env`
 * names). `default` is HOLDPOINT_MODEL on the worker, or the step's script when that is unset.
 */
export interface ModelRef {
  provider: ModelProvider;
  /** The provider's model id (`gpt-4o-mini`, `claude-sonnet-4-5`, `llama3.1`). */
  name: string;
  /** An endpoint other than the provider's (a local vLLM or Ollama, a proxy). */
  base_url?: string;
  /** The environment variable holding the key, when not the provider's usual one. */
  api_key_env?: string;
}

/** One turn of a scripted model: tool calls to make, or the final answer. */
export interface ScriptedTurn {
  tool_calls?: { name: string; args: Record<string, unknown> }[];
  /** The answer's text; `{{tool_result}}` is replaced by the latest tool result the model was given. */
  text?: string;
  /** A structured answer (steps with an output schema). */
  object?: unknown;
  /**
   * A plan, for permission mode `plan`: the n-th planning call answers the n-th plan turn (a plan made
   * from the script's tool calls when there is none). Other calls skip plan turns.
   */
  plan?: string;
}

/** A message of the conversation, in the AI SDK's `ModelMessage` shape (plain JSON). */
export type ModelMessage = Record<string, unknown> & { role: 'user' | 'assistant' | 'tool' | 'system' };

/** A tool as the model sees it. */
export interface ModelTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
}

export interface ModelCallInput {
  model: ModelRef;
  instructions: string;
  messages: ModelMessage[];
  tools: ModelTool[];
  /** A JSON Schema the final answer must match (structured output). */
  output_schema?: Record<string, unknown>;
  /** For `scripted` (and `default` without HOLDPOINT_MODEL). */
  script?: ScriptedTurn[];
  /** @default 4096 */
  max_output_tokens?: number;
  /** `plan`: the planning call of permission mode `plan` (no tools; the answer is the plan). */
  purpose?: 'plan';
}

export interface ToolCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

export interface ModelCallResult {
  text: string;
  tool_calls: ToolCall[];
  /** The parsed answer of a step with an output schema. */
  object?: unknown;
  finish_reason: string;
  usage: { input_tokens: number; output_tokens: number };
  /** The model's reply, to append to the conversation. */
  messages: ModelMessage[];
  /** Which model answered (`openai:gpt-4o-mini`, `scripted`). */
  model: string;
}

export const MODEL_ACTIVITY = '__holdpoint_callModel';
export type ModelActivities = { [MODEL_ACTIVITY]: (input: ModelCallInput) => Promise<ModelCallResult> };

/** How a tool call ended. */
export type ToolCallStatus = 'ran' | 'failed' | 'rejected' | 'skipped' | 'external' | 'unknown_tool';

/** One tool call of an agent step, as its output and the AgentOS face report it. */
export interface ToolCallRecord extends ToolCall {
  status: ToolCallStatus | 'pending';
  result?: unknown;
  /** The pause the call waited on, when the tool asks a person first. */
  request_id?: string;
  decided_by?: string;
  /** Why a call ran without a person when the permission mode gates tools: `remembered` or `policy:<id>`. */
  allowed_by?: string;
  started_at: string;
  ended_at?: string;
}

/** One revision of an agent's plan (permission mode `plan`) and what the person answered. */
export interface PlanRecord {
  revision: number;
  text: string;
  request_id: string;
  /** `approved`, or `revised` with the feedback the agent re-planned on. */
  outcome?: 'approved' | 'revised';
  feedback?: string;
  decided_by?: string;
  decided_at?: string;
}

/** An agent step's loop between model calls, carried by continue-as-new. */
export interface AgentLoopState {
  instructions: string;
  messages: ModelMessage[];
  script?: ScriptedTurn[];
  model_calls: number;
  /** Tool calls of the latest model reply still to handle, in order. */
  pending: ToolCall[];
  /** Results of handled calls of that reply, sent back with the next model call. */
  results: Record<string, unknown>[];
  calls: ToolCallRecord[];
  usage: { input_tokens: number; output_tokens: number };
  text: string;
  /** Permission mode `plan`: the planning conversation until a plan is approved, and every revision. */
  planning?: { messages: ModelMessage[]; plans: PlanRecord[]; done: boolean };
}

/** What an agent step outputs. */
export interface AgentOutput {
  /** The final answer's text. */
  text: string;
  /** The structured answer, for a step with an output schema. */
  object?: unknown;
  tool_calls: ToolCallRecord[];
  model_calls: number;
  usage: { input_tokens: number; output_tokens: number };
  /** Permission mode `plan`: each revision of the plan and its outcome. */
  plans?: PlanRecord[];
}

/** Tool pause kinds, as Agno names its tool HITL flags. */
export type ToolHitl = 'confirmation' | 'user_input' | 'external_execution' | 'question';

/** What a pause raised by a tool carries besides the usual pause fields. */
export interface ToolPauseInfo {
  call_id: string;
  name: string;
  args: Record<string, unknown>;
  hitl: ToolHitl;
  /** Agno's `@approval`: `required` also keeps an approval record an admin resolves; `audit` records the outcome. */
  approval?: 'required' | 'audit';
  /** For `user_input`: the fields the person fills. */
  user_input_fields?: string[];
  /** `permission_mode`: a gate the run's permission mode added (not the definition). */
  gate?: 'permission_mode';
  /** The agent step's model and turn, for UIs. */
  agent_step: string;
}

/** Parses `"openai:gpt-4o-mini"`-style model strings (`scripted` and `default` stand alone). */
export function parseModelRef(value: string | ModelRef): ModelRef {
  if (typeof value !== 'string') return value;
  if (value === 'scripted' || value === 'default') return { provider: value, name: value };
  const colon = value.indexOf(':');
  return { provider: value.slice(0, colon) as ModelProvider, name: value.slice(colon + 1) };
}

export function modelLabel(model: ModelRef): string {
  return model.provider === 'scripted' || model.provider === 'default' ? model.provider : `${model.provider}:${model.name}`;
}
