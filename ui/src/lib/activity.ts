// Reports real user input to the shell so its idle timer measures time without activity.
// Input events fire many times a second; the shell only needs to hear about them now and
// then, so reports are throttled (leading edge: the first event reports at once, later ones
// inside the interval are dropped; the idle timer loses at most one interval of accuracy).

/** The input events that count as activity. */
export const ACTIVITY_EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'scroll'] as const;

/** At most one report per this many milliseconds. */
export const ACTIVITY_INTERVAL_MS = 2000;

/** Returns a function that calls `fn` at most once per `intervalMs` (leading edge). */
export function throttle(fn: () => void, intervalMs: number, now: () => number = Date.now): () => void {
  let lastCallMs = Number.NEGATIVE_INFINITY;
  return () => {
    const t = now();
    if (t - lastCallMs >= intervalMs) {
      lastCallMs = t;
      fn();
    }
  };
}

/**
 * Listens for input on `target` (capture, passive) and calls `report` at most once per
 * `intervalMs`. A failing report (e.g. the vault was locked meanwhile) is ignored. Returns a
 * function that removes the listeners.
 */
export function watchActivity(
  target: EventTarget,
  report: () => unknown,
  intervalMs: number = ACTIVITY_INTERVAL_MS,
): () => void {
  const onInput = throttle(() => {
    try {
      const result = report();
      if (result instanceof Promise) result.catch(() => {});
    } catch {
      // Nothing to do: the next input tries again.
    }
  }, intervalMs);
  const options: AddEventListenerOptions = { capture: true, passive: true };
  for (const name of ACTIVITY_EVENTS) target.addEventListener(name, onInput, options);
  return () => {
    for (const name of ACTIVITY_EVENTS) target.removeEventListener(name, onInput, { capture: true });
  };
}
