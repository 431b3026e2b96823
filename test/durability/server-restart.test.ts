import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort, startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { ensureSearchAttributes } from '../../src/temporal/search-attributes';
import { logger, resume, start, startStack, type TestStack } from '../harness/stack';

// The dev server stops and starts again on the same SQLite file: a paused run is still there.
describe('dev server restart', () => {
  let server: DevServer | undefined;
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    await server?.stop();
  });

  it('keeps a paused run across a restart and lets it be resumed', async () => {
    const dbFile = join(await mkdtemp(join(process.env.HOLDPOINT_TEST_DIR!, 'restart-')), 'temporal.db');
    const port = await freePort();
    const boot = async () => {
      const started = await startDevServer({ cliPath: process.env.HOLDPOINT_TEST_CLI!, dbFile, port, namespace: 'default', logger });
      const connection = await Connection.connect({ address: started.address });
      await ensureSearchAttributes(connection, 'default', logger);
      await connection.close();
      return started;
    };

    server = await boot();
    stack = await startStack({ address: server.address });
    const started = await start(stack, 'lead-router', { input: { task: 'Route this lead', state: { leadId: 'lead-restart' } } }).expect(200);
    const runId: string = started.body.run_id;
    expect(started.body.output.status).toBe('paused');
    await stack.stop();
    await server.stop();

    server = await boot();
    stack = await startStack({ address: server.address, taskQueue: stack.taskQueue });
    const read = await stack.http().get(`/v1/workflow-runs/${runId}`).expect(200);
    expect(read.body).toMatchObject({ status: 'paused', pendingAction: { step: 'approval', request_id: started.body.output.pendingAction.request_id } });

    const done = await resume(stack, runId, { input: { resume: { step: 'approval', input: 'approve' } } }).expect(200);
    expect(done.body.output.status).toBe('completed');
    expect(done.body.output.result.routing.team).toBe('enterprise-sales');
  });
});
