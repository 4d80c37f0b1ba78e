// Follows the sync status: listens to the shell's `sync-status` event and reads the
// status once. Components call it from onMount and return what it returns.

import { onSyncStatus, syncStatus, type SyncStatus } from './ipc';

/** A value that looks like a SyncStatus (an unanswered mock or a missing command gives none). */
function isStatus(s: unknown): s is SyncStatus {
  return Boolean(s && typeof s === 'object' && 'state' in s && 'local_head' in s);
}

/** Calls `onstatus` with the current status and every change; `onerror` if the first
 *  read fails. Returns the function that stops it. */
export function watchSync(onstatus: (s: SyncStatus) => void, onerror?: (e: unknown) => void): () => void {
  let disposed = false;
  /** An event that arrived before the first read answered is newer than that answer. */
  let heardEvent = false;
  let unlisten: (() => void) | null = null;
  onSyncStatus((s) => {
    if (disposed || !isStatus(s)) return;
    heardEvent = true;
    onstatus(s);
  }).then(
    (u) => {
      if (disposed) u();
      else unlisten = u;
    },
    () => {},
  );
  syncStatus().then(
    (s) => {
      if (!disposed && !heardEvent && isStatus(s)) onstatus(s);
    },
    (e) => {
      if (!disposed) onerror?.(e);
    },
  );
  return () => {
    disposed = true;
    unlisten?.();
  };
}

/** Keeps what a command answered unless it is not a status (see isStatus). */
export function statusOr(answer: unknown, current: SyncStatus | null): SyncStatus | null {
  return isStatus(answer) ? answer : current;
}
