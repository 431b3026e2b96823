import { duration } from './format';

/**
 * One line on stderr that says what a long wait is at (`⠋ run wfr_… paused at approval · 12s`),
 * redrawn every second; only on a terminal, so pipes and logs never see it.
 */
export class Progress {
  private readonly started = Date.now();
  private text = '';
  private timer: ReturnType<typeof setInterval> | undefined;
  private frame = 0;
  private shown = false;

  constructor(private readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }) {
    if (!stream.isTTY) return;
    this.timer = setInterval(() => this.draw(), 1_000);
    this.timer.unref();
  }

  get enabled(): boolean {
    return this.timer !== undefined;
  }

  update(text: string): void {
    this.text = text;
    this.draw();
  }

  /** Writes a line to `out` without tearing the progress line. */
  around(write: () => void): void {
    this.clear();
    write();
    this.draw();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  private clear(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }

  private draw(): void {
    if (!this.timer) return;
    const spinner = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏'[this.frame++ % 10];
    const line = `${spinner} ${this.text} · ${duration(Date.now() - this.started)}`;
    const width = (this.stream.columns ?? 80) - 1;
    this.stream.write(`\r\x1b[2K${line.length > width ? line.slice(0, width) : line}`);
    this.shown = true;
  }
}
