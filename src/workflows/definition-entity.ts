import { allHandlersFinished, condition, continueAsNew, setHandler, upsertMemo, workflowInfo } from '@temporalio/workflow';
import { refusal } from './failures';
import {
  DEFINITION_MEMO_KEY,
  getDefinitionQuery,
  getDefinitionStateQuery,
  registerDefinitionUpdate,
  retireDefinitionUpdate,
  type DefinitionEntityInput,
  type DefinitionState,
  type DefinitionSummary,
} from '../contracts/definition-registry';
import { ErrorType } from '../contracts/errors';

const HISTORY_LIMIT = 1_000;

/**
 * One registered definition and all its versions. Registering is an update (the gateway has validated
 * the definition); the memo carries a summary for listings; it never ends.
 */
export async function holdpointDefinition(input: DefinitionEntityInput): Promise<never> {
  const state: DefinitionState = input.carried ?? { name: input.name, versions: [], current: 0 };
  const summary = (): DefinitionSummary => {
    const current = state.versions.find((v) => v.version === state.current)!;
    return {
      name: state.name,
      ...(current.definition.title ? { title: current.definition.title } : {}),
      ...(current.definition.description ? { description: current.definition.description } : {}),
      current_version: state.current,
      hash: current.hash,
      versions: state.versions.length,
      retired: state.retired !== undefined,
      registered_by: current.registered_by,
      updated_at: state.retired?.at ?? current.registered_at,
    };
  };
  const publish = () => upsertMemo({ [DEFINITION_MEMO_KEY]: summary() });

  setHandler(
    registerDefinitionUpdate,
    ({ definition, hash, by, at, label, notes }) => {
      const same = state.versions.find((v) => v.hash === hash);
      const wasRetired = state.retired !== undefined;
      delete state.retired;
      if (same && state.current === same.version && !wasRetired) return { version: same.version, hash, created: false };
      if (same) {
        state.current = same.version;
        publish();
        return { version: same.version, hash, created: false };
      }
      const version = (state.versions.at(-1)?.version ?? 0) + 1;
      state.versions.push({ version, hash, definition, ...(label ? { label } : {}), ...(notes ? { notes } : {}), registered_by: by, registered_at: at });
      state.current = version;
      publish();
      return { version, hash, created: true };
    },
    {
      validator: ({ definition }) => {
        if (definition.name !== state.name) {
          throw refusal({ type: ErrorType.InvalidDefinition, message: `this entity keeps "${state.name}", not "${definition.name}"`, nonRetryable: true });
        }
      },
      description: 'Register a version of the definition (validated by the gateway); the same content answers its existing version.',
    },
  );
  setHandler(
    retireDefinitionUpdate,
    ({ by, at }) => {
      state.retired ??= { by, at };
      publish();
      return summary();
    },
    {
      validator: (_request) => {
        if (state.versions.length === 0) throw refusal({ type: ErrorType.NotFound, message: `no definition ${state.name}`, nonRetryable: true });
      },
      description: 'Retire: no new runs start; running runs go on with the version they pinned.',
    },
  );
  setHandler(
    getDefinitionQuery,
    ({ version }) => {
      const found = state.versions.find((v) => v.version === (version ?? state.current));
      if (!found) throw refusal({ type: ErrorType.NotFound, message: `definition ${state.name} has no version ${version}`, nonRetryable: true });
      return found;
    },
    { description: 'A version of the definition: {"version": n}, the current one when absent.' },
  );
  setHandler(
    getDefinitionStateQuery,
    () => ({ ...summary(), history: state.versions.map(({ definition: _d, ...rest }) => rest) }),
    { description: 'The definition\'s versions and whether it is retired.' },
  );

  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT);
  await condition(allHandlersFinished);
  return continueAsNew<typeof holdpointDefinition>({ name: input.name, carried: state });
}
