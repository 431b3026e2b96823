import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Definition } from './definition';

/**
 * Definitions registered at runtime: one entity workflow per name (`<task queue>.definition.<name>`)
 * keeping every version. Runs pin the version they started with (the definition is in their input), so
 * a new version or a retirement never touches a running run. Zod-free.
 */
export const DEFINITION_WORKFLOW_TYPE = 'holdpointDefinition';
export const DEFINITION_MEMO_KEY = 'holdpoint_definition';

export function definitionWorkflowId(taskQueue: string, name: string): string {
  return `${taskQueue}.definition.${name}`;
}

export function definitionWorkflowPrefix(taskQueue: string): string {
  return `${taskQueue}.definition.`;
}

export interface DefinitionVersion {
  /** 1, 2, 3... per name. */
  version: number;
  /** `sha256:` of the canonical definition. */
  hash: string;
  definition: Definition;
  /** A label for people ("stable", "2026-11"). */
  label?: string;
  notes?: string;
  registered_by: string;
  registered_at: string;
}

export interface DefinitionState {
  name: string;
  versions: DefinitionVersion[];
  /** The version new runs start with. */
  current: number;
  retired?: { by: string; at: string };
}

/** What the memo carries, so a listing needs no query per definition. */
export interface DefinitionSummary {
  name: string;
  title?: string;
  description?: string;
  current_version: number;
  hash: string;
  versions: number;
  retired: boolean;
  registered_by: string;
  updated_at: string;
}

export interface DefinitionEntityInput {
  name: string;
  /** Set by continue-as-new. */
  carried?: DefinitionState;
}

export interface RegisterRequest {
  definition: Definition;
  hash: string;
  by: string;
  at: string;
  label?: string;
  notes?: string;
}

export interface RegisterResult {
  version: number;
  hash: string;
  /** False when the same content was already registered (that version is answered). */
  created: boolean;
}

/** Adds a version (or answers the one with the same content) and makes it current; un-retires. */
export const registerDefinitionUpdate = defineUpdate<RegisterResult, [RegisterRequest]>('register');
/** New runs stop; running ones go on. */
export const retireDefinitionUpdate = defineUpdate<DefinitionSummary, [{ by: string; at: string }]>('retire');
/** A version (the current one by default). */
export const getDefinitionQuery = defineQuery<DefinitionVersion, [{ version?: number }]>('getDefinition');
export const getDefinitionStateQuery = defineQuery<DefinitionSummary & { history: Omit<DefinitionVersion, 'definition'>[] }>('getDefinitionState');
