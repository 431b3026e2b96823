/** A page as every /v1 listing answers it. */
export interface Page<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

/**
 * A listing across pages. `for await (const item of list)` walks every item, fetching pages as it
 * goes; `pages()` walks pages; `first()` fetches one page; `take(n)` collects at most n items.
 * Nothing is fetched until one of them is used.
 */
export class Paginated<T, P extends Page<T> = Page<T>> implements AsyncIterable<T> {
  constructor(
    private readonly fetchPage: (cursor: string | undefined) => Promise<P>,
    private readonly startCursor?: string,
  ) {}

  /** One page (the first, or the one at the cursor the listing was made with). */
  first(): Promise<P> {
    return this.fetchPage(this.startCursor);
  }

  async *pages(): AsyncGenerator<P> {
    let cursor = this.startCursor;
    for (;;) {
      const page = await this.fetchPage(cursor);
      yield page;
      if (!page.has_more || !page.next_cursor) return;
      cursor = page.next_cursor;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for await (const page of this.pages()) yield* page.data;
  }

  /** At most `max` items, fetching no more pages than that needs. */
  async take(max: number): Promise<T[]> {
    const out: T[] = [];
    if (max <= 0) return out;
    for await (const item of this) {
      out.push(item);
      if (out.length >= max) break;
    }
    return out;
  }
}
