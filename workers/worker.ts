import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import { exampleHandlers } from '../src/activities/handlers';
import { createTaskActivities, type TaskHandlers } from '../src/activities/tasks';
import type { Config } from '../src/config';
import type { Logger } from '../src/logger';

/** Where the run workflow's source lives (bundled by the worker, or ahead of time). */
export const WORKFLOWS_PATH = require.resolve('../src/workflows');

/**
 * Modules evaluated once per reusable V8 context instead of once per workflow. With `reuseV8Context`
 * every new workflow re-evaluates the bundle's modules, which cost about a third of a run's CPU. These
 * keep no per-workflow state and call no workflow API when loaded, as preloading requires. zod cannot
 * be preloaded (it adds methods to its schemas lazily, and preloaded objects are frozen), so workflow
 * code uses only the small decision schemas and no definition schema.
 */
export const PRELOADED_MODULES = [
  'jsonata',
  '@cfworker/json-schema',
  '@noble/hashes/sha256',
  '@noble/hashes/utils',
  ...['contracts/approval-states', 'contracts/options', 'contracts/duration', 'contracts/errors', 'contracts/messages', 'contracts/temporal'].map((m) => require.resolve(`../src/${m}`)),
  ...['lib/assignees', 'lib/digest', 'lib/expressions', 'lib/json-schema'].map((m) => require.resolve(`../src/${m}`)),
];

export interface HoldpointWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Task handlers by name: the shipped examples plus your own. */
  handlers: TaskHandlers;
  /** A prebuilt bundle (tests, production images); bundled from source when absent. */
  workflowBundle?: WorkflowBundleOption;
  logger: Logger;
  /** Overrides for tests and tuning (cache size, slots). */
  tuning?: { maxCachedWorkflows?: number; shutdownGraceTime?: string };
}

/** A worker polling the holdpoint task queue for run workflows and their task activities. */
export async function createHoldpointWorker(options: HoldpointWorkerOptions): Promise<Worker> {
  const { connection, namespace, taskQueue, handlers, workflowBundle, tuning } = options;
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { preloadModules: PRELOADED_MODULES } }),
    activities: createTaskActivities(handlers),
    ...(tuning?.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: tuning.maxCachedWorkflows } : {}),
    shutdownGraceTime: (tuning?.shutdownGraceTime ?? '10s') as '10s',
  });
  options.logger.info({ taskQueue, namespace, handlers: Object.keys(handlers).length }, 'worker created');
  return worker;
}

/** The worker the entry points run: the configured task queue and bundle, with the shipped handlers. */
export function workerFromConfig(config: Config, connection: NativeConnection, logger: Logger): Promise<Worker> {
  return createHoldpointWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    handlers: exampleHandlers,
    ...(config.workflowBundle ? { workflowBundle: { codePath: config.workflowBundle } } : {}),
    logger,
  });
}

/** Bundles the workflow code once (webpack), for reuse by many workers or for a production image. */
export async function bundleWorkflows(): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, preloadModules: PRELOADED_MODULES, logger: quietBundlerLogger });
}

const quietBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
  log: () => undefined,
};
