import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { messageSchemaFiles } from '../src/contracts/message-schemas';

/** `npm run schemas`: writes the run workflow's message schemas to src/contracts/schemas/ (a test checks they are current). */
async function main(): Promise<void> {
  const dir = resolve(__dirname, '../src/contracts/schemas');
  await mkdir(dir, { recursive: true });
  const files = messageSchemaFiles();
  for (const name of await readdir(dir)) if (name.endsWith('.json') && !(name in files)) await rm(join(dir, name));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  process.stdout.write(`wrote ${Object.keys(files).length} schema files to ${dir}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
