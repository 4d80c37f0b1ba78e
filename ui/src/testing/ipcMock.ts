// Test helper: a mockIPC handler that records calls and answers from a table of commands.
// A handler may return a value, a Promise, or throw an IpcError-shaped object to reject.

import { mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import type { ExpiredEnrollment, SessionInfo } from '../lib/ipc';

export type Call = { cmd: string; args: Record<string, unknown> };
export type Handlers = Record<string, (args: Record<string, unknown>) => unknown>;

/** Installs the mock (with event mocking) and returns the list of calls it records. */
export function installIpc(handlers: Handlers): Call[] {
  const calls: Call[] = [];
  mockIPC(
    (cmd, raw) => {
      const args = (raw ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args });
      const h = handlers[cmd];
      return h ? h(args) : undefined;
    },
    { shouldMockEvents: true },
  );
  return calls;
}

/** Emits the shell's lock event as the Rust side would. */
export function emitLocked(reason: string): Promise<void> {
  return emit('session-locked', reason);
}

/** Emits the shell's event for a setup page that waited too long. */
export function emitEnrollmentExpired(expired: ExpiredEnrollment): Promise<void> {
  return emit('enrollment-expired', expired);
}

export function sessionFixture(over: Partial<SessionInfo> = {}): SessionInfo {
  return {
    user: 'anna',
    role: 'admin',
    idle_lock_secs: 300,
    session_limit_secs: 43200,
    enabled_admins: 2,
    ...over,
  };
}

export function named(calls: Call[], cmd: string): Call[] {
  return calls.filter((c) => c.cmd === cmd);
}
