/**
 * The gateway's open streams (SSE responses, WebSockets), so that shutting down closes each one
 * cleanly with a word to its client instead of cutting it.
 */
export class StreamRegistry {
  private readonly open = new Set<() => void>();
  private closing = false;

  /** Adds a stream's close function; the returned function removes it (call it when the stream ends). */
  add(close: () => void): () => void {
    if (this.closing) {
      close();
      return () => undefined;
    }
    this.open.add(close);
    return () => this.open.delete(close);
  }

  get size(): number {
    return this.open.size;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  closeAll(): void {
    this.closing = true;
    for (const close of [...this.open]) close();
    this.open.clear();
  }
}
