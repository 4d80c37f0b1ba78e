// Type-ahead plumbing: a debounce and a "latest request wins" guard. Factories only:
// each component makes its own instances, so no search text or result outlives the
// component that made it.

export interface Debounced<A extends unknown[]> {
  (...args: A): void;
  /** Drops a pending call. */
  cancel(): void;
  /** Runs a pending call now. */
  flush(): void;
  /** Whether a call is waiting. */
  pending(): boolean;
}

/** Calls `fn` with the latest arguments once `ms` have passed without another call. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): Debounced<A> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last: A | null = null;
  const run = () => {
    timer = null;
    const args = last;
    last = null;
    if (args) fn(...args);
  };
  const d = ((...args: A) => {
    last = args;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(run, ms);
  }) as Debounced<A>;
  d.cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    last = null;
  };
  d.flush = () => {
    if (timer !== null) {
      clearTimeout(timer);
      run();
    }
  };
  d.pending = () => timer !== null;
  return d;
}

/** A sequence counter: each request takes a ticket; only the newest ticket's answer counts. */
export interface Sequence {
  next(): number;
  isCurrent(ticket: number): boolean;
  /** Makes every outstanding ticket stale (e.g. the search box was cleared). */
  invalidate(): void;
}

export function sequence(): Sequence {
  let n = 0;
  return {
    next: () => ++n,
    isCurrent: (ticket) => ticket === n,
    invalidate: () => {
      n += 1;
    },
  };
}

export interface SearchControllerOptions<R> {
  /** Runs one search. */
  run: (query: string, includeArchived: boolean) => Promise<R>;
  /** The newest search's answer. */
  onResults: (results: R, query: string) => void;
  /** The newest search's failure. */
  onError: (error: unknown, query: string) => void;
  /** True while a debounced or running search is outstanding for the newest input. */
  onBusy?: (busy: boolean) => void;
  /** Debounce delay in ms (default 250). */
  delay?: number;
}

export interface SearchController {
  /** The user typed: search after the delay (an empty query cancels instead). */
  input(query: string, includeArchived: boolean): void;
  /** Search at once (e.g. a toggle changed, or Enter). */
  now(query: string, includeArchived: boolean): void;
  /** Drops the pending search and ignores any answer still on its way. */
  cancel(): void;
}

/** Debounced type-ahead search that ignores stale answers. */
export function searchController<R>(opts: SearchControllerOptions<R>): SearchController {
  const seq = sequence();
  const start = (query: string, includeArchived: boolean) => {
    const ticket = seq.next();
    opts.onBusy?.(true);
    opts.run(query, includeArchived).then(
      (results) => {
        if (!seq.isCurrent(ticket)) return;
        opts.onBusy?.(false);
        opts.onResults(results, query);
      },
      (error: unknown) => {
        if (!seq.isCurrent(ticket)) return;
        opts.onBusy?.(false);
        opts.onError(error, query);
      },
    );
  };
  const debounced = debounce(start, opts.delay ?? 250);
  const cancel = () => {
    debounced.cancel();
    seq.invalidate();
    opts.onBusy?.(false);
  };
  return {
    input(query, includeArchived) {
      if (query.trim() === '') {
        cancel();
        return;
      }
      // A newer keystroke makes any answer in flight stale straight away.
      seq.invalidate();
      opts.onBusy?.(true);
      debounced(query, includeArchived);
    },
    now(query, includeArchived) {
      debounced.cancel();
      if (query.trim() === '') {
        cancel();
        return;
      }
      start(query, includeArchived);
    },
    cancel,
  };
}
