import type { AgentOsInputField } from '../../src/contracts/http/agentos';
import type { Pause } from '../../src/contracts/run';

/**
 * Inputs as AgentOS asks for them: a JSON Schema (an input step's, a tool's arguments) or a question
 * step's questions, flattened to `{name, field_type, description, value, required, allowed_values?}`.
 */

/** AgentOS' `{name, field_type, description, value, required, allowed_values?}`. */
export type InputField = AgentOsInputField;

/** The field name an input step whose schema is not an object is asked for. */
export const SINGLE_FIELD = 'value';

/** A user-input tool's fields as Agno lists them: every argument, the model's ones filled in. */
export function toolInputFields(pause: Pause, value: unknown): InputField[] {
  const tool = pause.tool!;
  const asked = tool.user_input_fields ?? [];
  const props = (pause.input_schema?.properties ?? {}) as Record<string, Record<string, unknown>>;
  const given = value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  const fields: InputField[] = Object.entries(tool.args)
    .filter(([name]) => !asked.includes(name))
    .map(([name, v]) => ({ name, field_type: typeOfValue(v), description: null, value: v, required: true }));
  for (const name of asked) {
    const prop = props[name] ?? {};
    fields.push({ name, field_type: fieldType(prop), description: (prop.description as string | undefined) ?? null, value: given[name] ?? null, required: true });
  }
  return fields;
}

/** An input step's JSON Schema, flattened to AgentOS fields (a non-object schema is one field, `value`). */
export function inputFields(pause: Pause, value?: unknown): InputField[] {
  if (pause.type === 'question') {
    const answers = value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
    return (pause.questions ?? []).map((q) => ({
      name: q.question,
      field_type: 'str',
      description: q.header ?? null,
      value: answers[q.question] ?? null,
      required: true,
      ...(q.allow_free_text ? {} : { allowed_values: q.options.map((o) => o.label) }),
    }));
  }
  const schema = (pause.input_schema ?? {}) as Record<string, unknown>;
  const props = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (schema.type !== 'object' && !props) {
    return [{ name: SINGLE_FIELD, field_type: fieldType(schema), description: (schema.description as string | undefined) ?? null, value: value ?? null, required: true, ...allowed(schema) }];
  }
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const given = value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  return Object.entries(props ?? {}).map(([name, prop]) => ({
    name,
    field_type: fieldType(prop),
    description: (prop.description as string | undefined) ?? (prop.title as string | undefined) ?? null,
    value: given[name] ?? null,
    required: required.has(name),
    ...allowed(prop),
  }));
}

/** The checks `StepRequirement.from_dict` runs on `user_input` (it raises, and the client fails, otherwise). */
export function acceptedByAgno(fields: InputField[], input: Record<string, unknown>): boolean {
  return fields.every((f) => {
    const v = input[f.name];
    if (v === undefined || v === null || v === '') return !f.required;
    if (f.field_type === 'str' && typeof v !== 'string') return false;
    if (f.field_type === 'int' && !Number.isInteger(v)) return false;
    if (f.field_type === 'float' && typeof v !== 'number') return false;
    if (f.field_type === 'bool' && typeof v !== 'boolean') return false;
    return !f.allowed_values || f.allowed_values.includes(v);
  });
}

function fieldType(schema: Record<string, unknown>): InputField['field_type'] {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'integer':
      return 'int';
    case 'number':
      return 'float';
    case 'boolean':
      return 'bool';
    case 'array':
      return 'list';
    case 'object':
      return 'dict';
    default:
      return 'str';
  }
}

function typeOfValue(value: unknown): InputField['field_type'] {
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'list';
  if (value && typeof value === 'object') return 'dict';
  return 'str';
}

function allowed(schema: Record<string, unknown>): { allowed_values?: unknown[] } {
  return Array.isArray(schema.enum) ? { allowed_values: schema.enum } : {};
}

