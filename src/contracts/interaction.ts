/**
 * How people take part in a run's agent steps (m8tes' `human_in_the_loop` and `permission_mode`, as
 * holdpoint concepts). Zod-free: workflow code uses it.
 *
 * | human_in_the_loop | permission_mode | agent steps                                                  |
 * |-------------------|-----------------|--------------------------------------------------------------|
 * | false (default)   | autonomous      | no pauses beyond those the definition declares               |
 * | false             | approval, plan  | refused: there is nobody to ask                              |
 * | true              | autonomous      | the agent may ask clarifying questions; tools run            |
 * | true              | approval        | questions, and a gate before each tool call unless the tool is pre-approved for the run's end user or account, or was allowed with `remember` |
 * | true              | plan            | questions, and the agent's plan is approved (or revised on feedback) before it acts |
 *
 * Pauses a definition declares (a tool's `requires_confirmation`, a confirmation step) always apply:
 * a mode adds gates, it never removes the author's.
 */
export const PERMISSION_MODES = ['autonomous', 'approval', 'plan'] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];

export interface Interaction {
  human_in_the_loop: boolean;
  permission_mode: PermissionMode;
}

export const DEFAULT_INTERACTION: Interaction = { human_in_the_loop: false, permission_mode: 'autonomous' };

/** The rule a combination breaks, or undefined when it is allowed. */
export function interactionProblem(interaction: Interaction): string | undefined {
  if (!(PERMISSION_MODES as readonly string[]).includes(interaction.permission_mode)) {
    return `permission_mode must be one of ${PERMISSION_MODES.join(', ')}`;
  }
  if (!interaction.human_in_the_loop && interaction.permission_mode !== 'autonomous') {
    return `permission_mode "${interaction.permission_mode}" needs human_in_the_loop: true (without a person in the loop only "autonomous" is possible)`;
  }
  return undefined;
}

/** The built-in tool an agent asks clarifying questions with (offered when a person is in the loop). */
export const ASK_USER_TOOL = 'AskUserQuestion';

export const ASK_USER_TOOL_DESCRIPTION =
  'Ask the user one or more clarifying questions when you cannot proceed without their answer. Each question offers options; the user may also answer in their own words.';

export const ASK_USER_TOOL_SCHEMA = {
  type: 'object',
  properties: {
    questions: {
      type: 'array',
      minItems: 1,
      maxItems: 4,
      items: {
        type: 'object',
        properties: {
          question: { type: 'string', description: 'The question, ending with a question mark.' },
          header: { type: 'string', description: 'A short label for the question (at most 12 characters).' },
          options: {
            type: 'array',
            minItems: 1,
            maxItems: 6,
            items: { type: 'object', properties: { label: { type: 'string' }, description: { type: 'string' } }, required: ['label'] },
          },
          multiSelect: { type: 'boolean' },
        },
        required: ['question', 'options'],
      },
    },
  },
  required: ['questions'],
} as const;

/** A plan approval is a question with this header; its question is the plan. */
export const PLAN_APPROVAL_HEADER = 'Plan Approval';
/** The answer that approves a plan; any other answer is feedback, and the agent re-plans. */
export const PLAN_APPROVE_LABEL = 'Approve';

/** Pre-approvals and `remember`: a tool allowed for one end user's runs, or for the whole account. */
export type PolicyScope = { kind: 'account' } | { kind: 'user'; user_id: string };

export type PolicySource = 'api' | 'remember';

export interface ToolPolicy {
  /** A stable integer (the same scope and tool always give the same id). */
  id: number;
  tool: string;
  /** Null for the account scope. */
  user_id: string | null;
  source: PolicySource;
  created_by: string;
  created_at: string;
}

/** The activity a gate asks before it pauses: is this tool pre-approved for the run's end user or account? */
export const POLICY_CHECK_ACTIVITY = '__holdpoint_checkToolPolicy';
/** The activity an approval with `remember` records its policy through. */
export const POLICY_GRANT_ACTIVITY = '__holdpoint_grantToolPolicy';

export interface PolicyCheckInput {
  user_id?: string;
  tool: string;
}

export interface PolicyCheckResult {
  allowed: boolean;
  policy?: ToolPolicy;
}

export interface PolicyGrantInput {
  user_id: string | null;
  tool: string;
  source: PolicySource;
  by: string;
}

export type PolicyActivities = {
  [POLICY_CHECK_ACTIVITY]: (input: PolicyCheckInput) => Promise<PolicyCheckResult>;
  [POLICY_GRANT_ACTIVITY]: (input: PolicyGrantInput) => Promise<ToolPolicy>;
};
