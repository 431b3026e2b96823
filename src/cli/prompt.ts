import { createInterface } from 'node:readline';

/**
 * Questions on stderr, answers from stdin, one line each. Lines are buffered, so answers piped in
 * all at once (a script, a test) are each taken by the question they answer.
 */
export class Prompt {
  private readonly lines: AsyncIterator<string>;
  private readonly rl;

  constructor(
    input: NodeJS.ReadableStream,
    private readonly output: NodeJS.WritableStream,
  ) {
    this.rl = createInterface({ input, terminal: false });
    this.lines = this.rl[Symbol.asyncIterator]();
  }

  /** The next answer, trimmed; undefined when stdin has ended. */
  async ask(question: string): Promise<string | undefined> {
    this.output.write(question);
    const next = await this.lines.next();
    if (next.done) {
      this.output.write('\n');
      return undefined;
    }
    return next.value.trim();
  }

  close(): void {
    this.rl.close();
  }
}
