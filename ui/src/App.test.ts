import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import App from './App.svelte';
import { emitLocked, installIpc, named, sessionFixture, type Handlers } from './testing/ipcMock';
import type { AppStatus, SessionInfo } from './lib/ipc';

// The patients area belongs to another part of the UI; a stub that shows (fictional) PHI
// is enough to prove that a lock removes it.
vi.mock('./patients/PatientsView.svelte', async () => await import('./shell/testing/PatientsStub.svelte'));

afterEach(() => {
  cleanup();
  clearMocks();
});

function status(over: Partial<AppStatus> = {}): AppStatus {
  return {
    vault: 'present',
    vault_dir: '/home/clinic/.local/share/clinic-vault',
    users: ['anna', 'rita'],
    session: null,
    pc_time_utc: '2025-05-01T10:00:00Z',
    version: '0.1.0',
    ...over,
  };
}

function start(session: SessionInfo | null, extra: Handlers = {}, over: Partial<AppStatus> = {}) {
  let current: SessionInfo | null = session;
  const calls = installIpc({
    app_status: () => status({ ...over, session: current }),
    lock: () => {
      current = null;
      return null;
    },
    report_activity: () => null,
    list_users: () => [],
    ...extra,
  });
  render(App);
  return calls;
}

const main = () => document.querySelector('[data-screen="main"]');

describe('App', () => {
  it('opens onboarding on first run', async () => {
    start(null, { check_password: () => ({ acceptable: false, score: 0, problems: [] }) }, { vault: 'none', users: [] });
    await waitFor(() => expect(document.querySelector('[data-screen="onboarding"]')).toBeTruthy());
    expect(screen.getByLabelText('Administrator name')).toBeTruthy();
  });

  it('opens the unlock screen when a vault exists and nobody is unlocked', async () => {
    start(null);
    await waitFor(() => expect(document.querySelector('[data-screen="unlock"]')).toBeTruthy());
    expect(main()).toBeNull();
  });

  it('shows who is unlocked, their role and the admin views', async () => {
    start(sessionFixture());
    await waitFor(() => expect(main()).toBeTruthy());
    expect(screen.getByTestId('session-user').textContent).toBe('anna');
    expect(screen.getByTestId('session-role').textContent).toBe('Administrator');
    for (const name of ['Patients', 'Users', 'Audit', 'Keys', 'Settings']) {
      expect(screen.getByRole('button', { name })).toBeTruthy();
    }
  });

  it('shows only Patients to a receptionist', async () => {
    start(sessionFixture({ user: 'rita', role: 'receptionist', enabled_admins: null }));
    await waitFor(() => expect(main()).toBeTruthy());
    expect(screen.getByRole('button', { name: 'Patients' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Users' })).toBeNull();
    expect(screen.getByTestId('patients-stub')).toBeTruthy();
  });

  it('unmounts the whole main tree when the shell locks for idleness', async () => {
    start(sessionFixture({ user: 'rita', role: 'clinician', enabled_admins: null }));
    await waitFor(() => expect(screen.getByTestId('patients-stub')).toBeTruthy());
    await emitLocked('idle');
    await waitFor(() => expect(main()).toBeNull());
    expect(screen.queryByTestId('patients-stub')).toBeNull();
    expect(document.body.textContent).not.toContain('Jane Doe');
    expect(document.querySelector('[data-screen="unlock"]')).toBeTruthy();
    expect(screen.getByRole('status').textContent).toContain('Locked after 5 minutes without activity.');
    // The user who was unlocked is preselected.
    expect((screen.getByLabelText('User') as HTMLSelectElement).value).toBe('rita');
  });

  it('says why for the other lock reasons', async () => {
    start(sessionFixture());
    await waitFor(() => expect(main()).toBeTruthy());
    await emitLocked('suspend');
    await waitFor(() => expect(main()).toBeNull());
    expect(screen.getByRole('status').textContent).toContain('Locked because this computer went to sleep.');
  });

  it('locks with Ctrl+L', async () => {
    const calls = start(sessionFixture());
    await waitFor(() => expect(main()).toBeTruthy());
    await fireEvent.keyDown(window, { key: 'l', ctrlKey: true });
    expect(main()).toBeNull();
    await waitFor(() => expect(named(calls, 'lock')).toHaveLength(1));
    expect(screen.getByRole('status').textContent).toContain('Vault locked.');
  });

  it('locks with the Lock button', async () => {
    const calls = start(sessionFixture());
    await waitFor(() => expect(main()).toBeTruthy());
    await fireEvent.click(screen.getByRole('button', { name: 'Lock' }));
    expect(main()).toBeNull();
    await waitFor(() => expect(named(calls, 'lock')).toHaveLength(1));
  });

  it('reports activity while unlocked, and stops after the lock', async () => {
    const calls = start(sessionFixture());
    await waitFor(() => expect(main()).toBeTruthy());
    await fireEvent.pointerDown(window);
    await waitFor(() => expect(named(calls, 'report_activity')).toHaveLength(1));
    await emitLocked('idle');
    await waitFor(() => expect(main()).toBeNull());
    vi.useFakeTimers();
    vi.advanceTimersByTime(5000);
    vi.useRealTimers();
    await fireEvent.keyDown(window, { key: 'a' });
    await new Promise((r) => setTimeout(r, 10));
    expect(named(calls, 'report_activity')).toHaveLength(1);
  });

  it('reminds a lone admin to add a second one', async () => {
    const calls = start(sessionFixture({ enabled_admins: 1 }));
    await waitFor(() => expect(main()).toBeTruthy());
    expect(
      screen.getByText('Only one administrator can unlock this vault. Add a second admin so the clinic is not locked out.'),
    ).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Go to Users' }));
    await waitFor(() => expect(named(calls, 'list_users')).toHaveLength(1));
    expect(screen.getByRole('heading', { name: 'Users' })).toBeTruthy();
  });

  it('does not remind when two admins exist', async () => {
    start(sessionFixture({ enabled_admins: 2 }));
    await waitFor(() => expect(main()).toBeTruthy());
    expect(screen.queryByText(/Only one administrator/)).toBeNull();
  });
});
