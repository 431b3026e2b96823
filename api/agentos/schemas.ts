import { z } from 'zod';

/** What AgentOS' routes accept, as FastAPI declares them (forms, queries, JSON bodies). */

/** Pydantic's form booleans: true/false, 1/0, yes/no, on/off, any case. */
const FormBool = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { error: 'Input should be a valid boolean, unable to interpret input' }))
  .transform((v) => v === 'true' || v === '1' || v === 'yes' || v === 'on');

/** Session ids become a search attribute: keep them to what visibility queries can hold. */
export const SessionId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,200}$/, 'String should be letters, digits or "_.:@-"');
const UserId = z.string().max(255);
const FormInt = z.coerce.number({ error: 'Input should be a valid integer' }).int('Input should be a valid integer');

/** `POST /workflows/{id}/runs`. Other fields AgentOS passes to the run as kwargs; holdpoint has no use for them. */
export const RunForm = z.object({
  message: z.string({ error: 'Field required' }),
  /** @default true: AgentOS streams unless told not to. */
  stream: FormBool.default(true),
  background: FormBool.default(false),
  session_id: SessionId.optional(),
  user_id: UserId.optional(),
  version: FormInt.pipe(z.number().min(1)).optional(),
});
export type RunForm = z.infer<typeof RunForm>;

/** `POST /workflows/{id}/runs/{run_id}/continue`: `step_requirements` is a JSON string of a list. */
export const ContinueForm = z.object({
  step_requirements: z.string().default(''),
  stream: FormBool.default(true),
  session_id: SessionId.optional(),
  user_id: UserId.optional(),
});

/** `POST /workflows/{id}/runs/{run_id}/resume`. */
export const ResumeForm = z.object({
  last_event_index: FormInt.pipe(z.number().min(-1)).optional(),
  session_id: z.string().optional(),
});

export const RunQuery = z.object({ session_id: z.string({ error: 'Field required' }) });
export const RunsQuery = z.object({ session_id: z.string({ error: 'Field required' }), status: z.string().optional() });
export const VersionQuery = z.object({ version: FormInt.pipe(z.number().min(1)).optional() });
export const CancelQuery = z.object({ session_id: z.string().optional() });

const Page = FormInt.pipe(z.number().min(1)).default(1);

export const SessionsQuery = z.object({
  type: z.enum(['agent', 'team', 'workflow']).optional(),
  component_id: z.string().optional(),
  user_id: z.string().optional(),
  session_name: z.string().optional(),
  limit: FormInt.pipe(z.number().min(1).max(1_000)).default(20),
  page: Page,
  sort_by: z.enum(['created_at', 'updated_at', 'session_name']).default('created_at'),
  sort_order: z.enum(['asc', 'desc']).default('desc'),
});

export const SessionRunsQuery = z.object({
  type: z.enum(['agent', 'team', 'workflow']).optional(),
  created_after: FormInt.optional(),
  created_before: FormInt.optional(),
  status: z.union([z.string(), z.array(z.string())]).optional(),
});

export const ApprovalsQuery = z.object({
  status: z.enum(['pending', 'approved', 'rejected', 'expired', 'cancelled']).optional(),
  source_type: z.string().optional(),
  approval_type: z.string().optional(),
  pause_type: z.string().optional(),
  agent_id: z.string().optional(),
  team_id: z.string().optional(),
  workflow_id: z.string().optional(),
  user_id: z.string().optional(),
  schedule_id: z.string().optional(),
  run_id: z.string().optional(),
  limit: FormInt.pipe(z.number().min(1).max(1_000)).default(100),
  page: Page,
});

/** `POST /approvals/{id}/resolve` (JSON). Who resolves is the key's principal, never `resolved_by`. */
export const ResolveBody = z.object({
  status: z.string().regex(/^(approved|rejected)$/, "String should match pattern '^(approved|rejected)$'"),
  resolved_by: z.string().max(255).nullish(),
  resolution_data: z.record(z.string(), z.unknown()).nullish(),
});

/** `POST /components`: a holdpoint definition as a workflow component. */
export const ComponentCreate = z.object({
  name: z.string().min(1),
  component_id: z.string().nullish(),
  component_type: z.enum(['agent', 'team', 'workflow']),
  description: z.string().nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  config: z.record(z.string(), z.unknown()).nullish(),
  label: z.string().max(64).nullish(),
  stage: z.string().default('draft'),
  notes: z.string().max(2_000).nullish(),
});

/** `POST /components/{id}/configs`: the next version of a registered definition. */
export const ConfigCreate = z.object({
  config: z.record(z.string(), z.unknown()),
  label: z.string().max(64).nullish(),
  stage: z.string().default('draft'),
  notes: z.string().max(2_000).nullish(),
});

export const ComponentsQuery = z.object({
  component_type: z.enum(['agent', 'team', 'workflow']).optional(),
  page: Page,
  limit: FormInt.pipe(z.number().min(1).max(100)).default(20),
});
