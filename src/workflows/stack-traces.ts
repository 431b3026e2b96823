/**
 * Stack traces inside the workflow sandbox, formatted here rather than by the SDK.
 *
 * The Temporal SDK installs a promise hook that, for every promise a workflow creates, builds an
 * Error, formats its stack through the worker's `Error.prepareStackTrace` (which maps each frame
 * through the bundle's source map) and files it for the `__stack_trace` query. A holdpoint run
 * creates hundreds of promises per workflow task, and that hook was a quarter to a third of the
 * workflow thread's CPU in profiles. V8 formats a stack with the `prepareStackTrace` of the realm the
 * error comes from, so setting one in the sandbox takes the hook's errors off that path: they get an
 * empty stack, and the hook (which files only stacks the worker's formatter saw) keeps nothing.
 *
 * The hook also compiles two tiny functions per promise to find its way around the sandbox; those are
 * answered without compiling ({@link installHookLookups}).
 *
 * What this gives up: the Web UI's "Stack Trace" tab and `temporal workflow stack` show no workflow
 * stacks. A run's place is in its current details instead (what it runs or waits for, and the decide
 * command). Errors thrown in the sandbox keep a stack, in V8's own format, with the bundle's line
 * numbers rather than source lines; function names stay.
 */
const PROMISE_HOOK_FRAME = /promise_hooks|vm-shared/;

function formatStack(error: Error, frames: NodeJS.CallSite[]): string {
  // The hook's own error: its first frames are the hook (the SDK's vm-shared, node's promise_hooks).
  if (frames.slice(0, 2).some((frame) => PROMISE_HOOK_FRAME.test(frame.getFileName() ?? ''))) return '';
  return `${String(error)}${frames.map((frame) => `\n    at ${String(frame)}`).join('')}`;
}

/**
 * Installs the sandbox's formatter. The worker preloads this module (workers/worker.ts,
 * PRELOADED_MODULES), so this runs once per V8 context, before the SDK freezes the context's
 * built-ins; anywhere else `Error` is frozen already and the SDK's formatting stays.
 */
function installStackFormatter(): void {
  if (!Object.isExtensible(Error) || Error.prepareStackTrace === formatStack) return;
  Error.prepareStackTrace = formatStack;
}

/** What the SDK's promise hook constructs only to read its (now empty) stack: nothing to capture. */
class HookError {}

/**
 * The two lookups the SDK's promise hook compiles with the sandbox's `Function` for every promise
 * created and settled (`promise.constructor.constructor(source)()`): the activator, and the `Error`
 * whose stack it files. Answered here without compiling anything, and without capturing a stack
 * nobody reads (the formatter above empties it). The cost this takes away is the SDK's known per-promise
 * overhead (temporalio/sdk-typescript#1587).
 */
const HOOK_LOOKUPS: Record<string, () => unknown> = {
  'return globalThis.__TEMPORAL_ACTIVATOR__': () => (globalThis as { __TEMPORAL_ACTIVATOR__?: unknown }).__TEMPORAL_ACTIVATOR__,
  'return globalThis.Error': () => HookError,
};

/**
 * Gives the sandbox's `Promise` a `constructor` of its own (normally inherited: `Function`) that
 * answers the hook's two lookups and is `Function` for anything else.
 */
function installHookLookups(): void {
  if (!Object.isExtensible(Promise) || Object.prototype.hasOwnProperty.call(Promise, 'constructor')) return;
  const lookup = function (this: unknown, ...args: string[]): unknown {
    const known = args.length === 1 ? HOOK_LOOKUPS[args[0]!] : undefined;
    return known ?? Function(...args);
  };
  Object.defineProperty(Promise, 'constructor', { value: lookup, writable: false, enumerable: false, configurable: false });
}

installStackFormatter();
installHookLookups();
