import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { debounce, searchController, sequence } from './debounce';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('debounce', () => {
  it('runs once with the latest arguments after the quiet period', () => {
    const fn = vi.fn();
    const d = debounce(fn, 250);
    d('a');
    vi.advanceTimersByTime(200);
    d('ab');
    vi.advanceTimersByTime(200);
    d('abc');
    expect(fn).not.toHaveBeenCalled();
    expect(d.pending()).toBe(true);
    vi.advanceTimersByTime(249);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(fn).toHaveBeenCalledWith('abc');
    expect(d.pending()).toBe(false);
  });

  it('can be cancelled and flushed', () => {
    const fn = vi.fn();
    const d = debounce(fn, 250);
    d(1);
    d.cancel();
    vi.advanceTimersByTime(1000);
    expect(fn).not.toHaveBeenCalled();
    d(2);
    d.flush();
    expect(fn).toHaveBeenCalledWith(2);
    vi.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});

describe('sequence', () => {
  it('only the newest ticket is current', () => {
    const s = sequence();
    const a = s.next();
    const b = s.next();
    expect(s.isCurrent(a)).toBe(false);
    expect(s.isCurrent(b)).toBe(true);
    s.invalidate();
    expect(s.isCurrent(b)).toBe(false);
  });
});

/** A run() whose answers the test releases in any order. */
function controlled() {
  const calls: { query: string; archived: boolean; resolve: (r: string[]) => void; reject: (e: unknown) => void }[] = [];
  const run = (query: string, archived: boolean) =>
    new Promise<string[]>((resolve, reject) => calls.push({ query, archived, resolve, reject }));
  return { calls, run };
}

describe('searchController', () => {
  it('debounces typing into one search', async () => {
    const { calls, run } = controlled();
    const onResults = vi.fn();
    const c = searchController({ run, onResults, onError: vi.fn(), delay: 250 });
    c.input('sm', false);
    await vi.advanceTimersByTimeAsync(100);
    c.input('smi', false);
    await vi.advanceTimersByTimeAsync(100);
    c.input('smit', true);
    await vi.advanceTimersByTimeAsync(249);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.map((x) => [x.query, x.archived])).toEqual([['smit', true]]);
    calls[0].resolve(['hit']);
    await vi.advanceTimersByTimeAsync(0);
    expect(onResults).toHaveBeenCalledWith(['hit'], 'smit');
  });

  it('ignores an answer that arrives after a newer search started', async () => {
    const { calls, run } = controlled();
    const onResults = vi.fn();
    const onError = vi.fn();
    const c = searchController({ run, onResults, onError });
    c.input('sm', false);
    await vi.advanceTimersByTimeAsync(250);
    c.input('smith', false);
    await vi.advanceTimersByTimeAsync(250);
    expect(calls).toHaveLength(2);
    // The newer answer first, then the stale one.
    calls[1].resolve(['new']);
    await vi.advanceTimersByTimeAsync(0);
    calls[0].resolve(['old']);
    calls[0].reject('too late');
    await vi.advanceTimersByTimeAsync(0);
    expect(onResults).toHaveBeenCalledTimes(1);
    expect(onResults).toHaveBeenCalledWith(['new'], 'smith');
    expect(onError).not.toHaveBeenCalled();
  });

  it('ignores an answer still in flight once the user types again', async () => {
    const { calls, run } = controlled();
    const onResults = vi.fn();
    const c = searchController({ run, onResults, onError: vi.fn() });
    c.input('jo', false);
    await vi.advanceTimersByTimeAsync(250);
    c.input('jon', false); // still debouncing
    calls[0].resolve(['jo-results']);
    await vi.advanceTimersByTimeAsync(0);
    expect(onResults).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(250);
    calls[1].resolve(['jon-results']);
    await vi.advanceTimersByTimeAsync(0);
    expect(onResults).toHaveBeenCalledWith(['jon-results'], 'jon');
  });

  it('clearing the text cancels the pending search and drops answers in flight', async () => {
    const { calls, run } = controlled();
    const onResults = vi.fn();
    const busy: boolean[] = [];
    const c = searchController({ run, onResults, onError: vi.fn(), onBusy: (b) => busy.push(b) });
    c.input('ab', false);
    await vi.advanceTimersByTimeAsync(250);
    c.input('abc', false);
    c.input('', false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(1);
    calls[0].resolve(['x']);
    await vi.advanceTimersByTimeAsync(0);
    expect(onResults).not.toHaveBeenCalled();
    expect(busy.at(-1)).toBe(false);
  });

  it('now() searches immediately and reports errors of the newest search', async () => {
    const { calls, run } = controlled();
    const onError = vi.fn();
    const c = searchController({ run, onResults: vi.fn(), onError });
    c.input('ab', false);
    c.now('ab', true);
    expect(calls.map((x) => [x.query, x.archived])).toEqual([['ab', true]]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(1);
    calls[0].reject({ code: 'internal', message: 'boom' });
    await vi.advanceTimersByTimeAsync(0);
    expect(onError).toHaveBeenCalledWith({ code: 'internal', message: 'boom' }, 'ab');
  });
});
