// Test helper: a mockIPC handler that records calls and answers from a table of commands.
// A handler may return a value, a Promise, or throw an IpcError-shaped object to reject.

import { mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import { SCAN_UPLOAD_URL, type AppStatus, type ExpiredEnrollment, type SessionInfo, type SyncStatus } from '../lib/ipc';

export type Call = { cmd: string; args: Record<string, unknown> };
export type Handlers = Record<string, (args: Record<string, unknown>) => unknown>;

/** Installs the mock (with event mocking) and returns the list of calls it records. */
export function installIpc(handlers: Handlers): Call[] {
  const calls: Call[] = [];
  mockIPC(
    (cmd, raw) => {
      const args = (raw ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args });
      if (cmd === 'scan_upload_key' && !handlers[cmd]) return 'test-upload-key';
      // Every unlocked screen reads the sync status (the top bar's pill): unless a test
      // says otherwise this workstation is not enrolled.
      if (cmd === 'sync_status' && !handlers[cmd]) return syncStatusFixture({ state: 'not_enrolled' });
      const h = handlers[cmd];
      return h ? h(args) : undefined;
    },
    { shouldMockEvents: true },
  );
  installUpload(handlers, calls);
  return calls;
}

/** The app's upload scheme (`cvupload:`, see ipc.ts's importScan) as a fetch stub: a
 *  POST is recorded as the call `import_scan` with the body's bytes as its args, and
 *  answered by that handler (a thrown IpcError becomes a 4xx answer, as the app's). */
export function installUpload(handlers: Record<string, (args: never) => unknown>, calls: { cmd: string; args: unknown }[]) {
  globalThis.fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    if (String(url) !== SCAN_UPLOAD_URL || init?.method !== 'POST') {
      return new Response(null, { status: 404 });
    }
    const headers = new Headers(init.headers);
    const bytes = new Uint8Array(await new Response(init.body).arrayBuffer());
    calls.push({ cmd: 'import_scan', args: { patientId: headers.get('patient-id'), key: headers.get('upload-key'), bytes } });
    const h = handlers.import_scan;
    try {
      const value = await (h ? h(bytes as never) : undefined);
      return Response.json(value ?? null);
    } catch (e) {
      return Response.json(e, { status: 422 });
    }
  }) as typeof fetch;
}

/** Emits the shell's lock event as the Rust side would. */
export function emitLocked(reason: string): Promise<void> {
  return emit('session-locked', reason);
}

/** Emits the shell's event for a setup page that waited too long. */
export function emitEnrollmentExpired(expired: ExpiredEnrollment): Promise<void> {
  return emit('enrollment-expired', expired);
}

/** Emits the shell's sync status event as the Rust side would. */
export function emitSyncStatus(status: SyncStatus): Promise<void> {
  return emit('sync-status', status);
}

/** A 64-hex-digit hash made of one repeated digit pattern (fictional). */
export const HASH_A = '9f2c41d0a7be33e1'.repeat(4);
export const HASH_B = 'abcdef0123456789'.repeat(4);

/** What `sync_status` answers: enrolled with the clinic's server, synced a minute ago. */
export function syncStatusFixture(over: Partial<SyncStatus> = {}): SyncStatus {
  const notEnrolled = over.state === 'not_enrolled';
  return {
    state: 'synced',
    server_url: notEnrolled ? null : 'https://sync.clinic.example',
    workstation: notEnrolled ? null : 'Reception PC',
    device_id: 'dev-7f3a9c2e',
    events_waiting: 0,
    scans_waiting: 0,
    last_success_us: notEnrolled ? null : (Date.now() - 60_000) * 1000,
    next_attempt_us: null,
    last_error: null,
    local_head: { seq: 4812, hash: HASH_A },
    anchor: notEnrolled ? null : { seq: 4800, hash: HASH_B, server_time_us: (Date.now() - 60_000) * 1000 },
    ...over,
  };
}

export function sessionFixture(over: Partial<SessionInfo> = {}): SessionInfo {
  return {
    user: 'anna',
    role: 'admin',
    idle_lock_secs: 300,
    session_limit_secs: 43200,
    enabled_admins: 2,
    has_pin: false,
    pin_session: false,
    quick_unlock: { allowed: true, pin_required: false, window_secs: 43200 },
    ...over,
  };
}

/** What `app_status` answers: a vault with anna and rita, nobody unlocked, no PIN armed. */
export function statusFixture(over: Partial<AppStatus> = {}): AppStatus {
  return {
    vault: 'present',
    vault_dir: '/home/clinic/.local/share/clinic-vault',
    users: ['anna', 'rita'],
    quick_users: [],
    session: null,
    pc_time_utc: '2025-05-01T10:00:00Z',
    version: '0.1.0',
    offered_server: null,
    ...over,
  };
}

export function named(calls: Call[], cmd: string): Call[] {
  return calls.filter((c) => c.cmd === cmd);
}
