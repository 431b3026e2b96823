import { z } from 'zod';
import { WorkflowName } from '../../src/contracts/definition';

export const RunParams = z.object({ runId: z.string().min(1).max(255) });
export const NameParams = z.object({ name: WorkflowName });
export const RequestParams = z.object({ requestId: z.string().min(1).max(600) });
export const IdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'must be 1-255 printable ASCII characters')
  .optional();
