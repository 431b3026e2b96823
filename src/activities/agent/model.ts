import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { APICallError, generateText, jsonSchema, NoObjectGeneratedError, Output, tool, type ModelMessage as AiModelMessage, type ToolSet } from 'ai';
import {
  MODEL_ACTIVITY,
  modelLabel,
  parseModelRef,
  type ModelActivities,
  type ModelCallInput,
  type ModelCallResult,
  type ModelMessage,
  type ModelRef,
} from '../../contracts/agent';
import { ScriptedModel } from './scripted-model';

export interface ModelDeps {
  /** The worker's environment (keys, base URLs, HOLDPOINT_MODEL); read at each call. */
  env: NodeJS.ProcessEnv;
}

/**
 * The model call activity: one step of the AI SDK's `generateText` with the step's tools (which it
 * never executes: the workflow does, as activities or pauses). Keys come from the worker's
 * environment only; nothing here logs them or returns them.
 */
export function createModelActivities(deps: ModelDeps): ModelActivities {
  // The AI SDK prints warnings to the console; the activity logs them instead, with the run's ids.
  (globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;
  return {
    [MODEL_ACTIVITY]: async (input: ModelCallInput): Promise<ModelCallResult> => {
      const ctx = Context.current();
      const { model, label } = resolveModel(input, deps.env);
      const tools: ToolSet = Object.fromEntries(
        input.tools.map((t) => [t.name, tool({ ...(t.description ? { description: t.description } : {}), inputSchema: jsonSchema(t.input_schema) })]),
      );
      // Heartbeats while the provider thinks, so a worker that dies mid-call is replaced in seconds.
      const beat = setInterval(() => ctx.heartbeat(), 5_000);
      try {
        const result = await generateText({
          model,
          system: input.instructions,
          messages: input.messages as unknown as AiModelMessage[],
          tools,
          ...(input.output_schema ? { output: Output.object({ schema: jsonSchema(input.output_schema) }) } : {}),
          maxOutputTokens: input.max_output_tokens ?? 4_096,
          abortSignal: ctx.cancellationSignal,
          maxRetries: 0, // Temporal retries the activity
        });
        if (result.warnings?.length) ctx.log.warn('the model provider warned', { model: label, warnings: result.warnings.map((w) => JSON.stringify(w)) });
        const toolCalls = result.toolCalls.map((c) => ({ id: c.toolCallId, name: c.toolName, args: (c.input ?? {}) as Record<string, unknown> }));
        const object = input.output_schema && toolCalls.length === 0 ? (result.output as unknown) : undefined;
        return {
          text: result.text,
          tool_calls: toolCalls,
          ...(object !== undefined ? { object } : {}),
          finish_reason: result.finishReason,
          usage: { input_tokens: result.usage.inputTokens ?? 0, output_tokens: result.usage.outputTokens ?? 0 },
          // Plain JSON for the workflow's state.
          messages: JSON.parse(JSON.stringify(result.response.messages)) as ModelMessage[],
          model: label,
        };
      } catch (err) {
        throw asFailure(err, label);
      } finally {
        clearInterval(beat);
      }
    },
  };
}

/** The AI SDK model a reference names, built from the worker's environment. */
export function resolveModel(input: Pick<ModelCallInput, 'model' | 'script' | 'purpose'>, env: NodeJS.ProcessEnv): { model: LanguageModelV4; label: string } {
  let ref: ModelRef = input.model;
  if (ref.provider === 'default') {
    if (!env.HOLDPOINT_MODEL) return { model: new ScriptedModel(input.script ?? [], input.purpose), label: 'scripted' };
    ref = parseModelRef(env.HOLDPOINT_MODEL);
  }
  const label = modelLabel(ref);
  switch (ref.provider) {
    case 'scripted':
      return { model: new ScriptedModel(input.script ?? [], input.purpose), label };
    case 'openai':
      return {
        model: createOpenAI({ apiKey: key(env, ref.api_key_env ?? 'OPENAI_API_KEY', label), ...baseUrl(ref.base_url ?? env.OPENAI_BASE_URL) }).chat(ref.name),
        label,
      };
    case 'anthropic':
      return { model: createAnthropic({ apiKey: key(env, ref.api_key_env ?? 'ANTHROPIC_API_KEY', label), ...baseUrl(ref.base_url ?? env.ANTHROPIC_BASE_URL) })(ref.name), label };
    case 'openai-compatible': {
      const url = ref.base_url ?? env.OPENAI_COMPATIBLE_BASE_URL;
      if (!url) throw ApplicationFailure.nonRetryable(`${label}: give the endpoint in the definition (model.base_url) or OPENAI_COMPATIBLE_BASE_URL on the worker`, 'ModelNotConfigured');
      const apiKey = env[ref.api_key_env ?? 'OPENAI_COMPATIBLE_API_KEY'];
      return { model: createOpenAICompatible({ name: 'openai-compatible', baseURL: url, ...(apiKey ? { apiKey } : {}) })(ref.name), label };
    }
    default:
      throw ApplicationFailure.nonRetryable(`unknown model provider "${String(ref.provider)}"`, 'ModelNotConfigured');
  }
}

function key(env: NodeJS.ProcessEnv, variable: string, label: string): string {
  const value = env[variable];
  if (!value) throw ApplicationFailure.nonRetryable(`${label}: ${variable} is not set on the worker (model keys come only from the environment)`, 'ModelNotConfigured');
  return value;
}

function baseUrl(url: string | undefined): { baseURL?: string } {
  return url ? { baseURL: url } : {};
}

/** Provider errors as Temporal failures: retried when the provider says it is worth it, never with secrets in them. */
function asFailure(err: unknown, label: string): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (APICallError.isInstance(err)) {
    const status = err.statusCode ?? 0;
    const message = `${label} answered ${status || 'nothing'}: ${(err.responseBody ?? err.message).slice(0, 500)}`;
    return ApplicationFailure.create({ message, type: err.isRetryable ? 'ModelUnavailable' : 'ModelRequestRefused', nonRetryable: !err.isRetryable, details: [{ status }] });
  }
  if (NoObjectGeneratedError.isInstance(err)) {
    return ApplicationFailure.create({ message: `${label} did not answer with JSON matching the step's output schema: ${err.message}`, type: 'InvalidModelOutput' });
  }
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.create({ message: `${label}: ${message}`, type: err instanceof Error ? err.name : 'ModelError' });
}
