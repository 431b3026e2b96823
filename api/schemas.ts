import { Router } from 'express';
import { messageSchemaFiles } from '../src/contracts/message-schemas';

/**
 * The run workflow's message schemas (JSON Schema, generated from the contracts), public like the
 * health routes: `/schemas/messages.json` lists them, `/schemas/messages/<name>.<input|output>.schema.json`.
 */
export function schemaRouter(): Router {
  const router = Router();
  let files: Record<string, string> | undefined;
  const all = () => (files ??= messageSchemaFiles());
  router.get('/schemas/messages.json', (_req, res) => {
    res.type('application/json').send(all()['messages.json']);
  });
  router.get('/schemas/messages/:file', (req, res) => {
    const content = all()[req.params.file];
    if (!content || req.params.file === 'messages.json') {
      res.status(404).json({ error: { type: 'not_found', message: `no schema ${req.params.file}; /schemas/messages.json lists them` } });
      return;
    }
    res.type('application/schema+json').send(content);
  });
  return router;
}
