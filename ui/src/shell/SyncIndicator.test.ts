import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import SyncIndicator from './SyncIndicator.svelte';
import { emitSyncStatus, installIpc, named, syncStatusFixture } from '../testing/ipcMock';
import type { Role, SyncStatus } from '../lib/ipc';

afterEach(() => {
  cleanup();
  clearMocks();
});

function start(status: SyncStatus, role: Role = 'admin', extra: Record<string, (a: Record<string, unknown>) => unknown> = {}) {
  const calls = installIpc({ sync_status: () => status, ...extra });
  const onsettings = vi.fn();
  render(SyncIndicator, { role, onsettings: role === 'admin' ? onsettings : undefined });
  return { calls, onsettings };
}

const pill = () => screen.findByTestId('sync-indicator');

describe('the sync indicator', () => {
  it.each([
    ['synced', 'Synced'],
    ['syncing', 'Syncing…'],
    ['offline', 'Offline · 5 waiting'],
    ['waiting', 'Retrying · 5 waiting'],
    ['halted', 'Sync stopped'],
    ['not_enrolled', 'Not connected'],
  ] as const)('shows %s as "%s" with a full sentence as its name', async (state, words) => {
    start(syncStatusFixture({ state, events_waiting: 3, scans_waiting: 2 }));
    const p = await pill();
    expect(p.textContent!.trim()).toBe(words);
    expect(p.dataset.state).toBe(state);
    expect(p.querySelector('svg')).toBeTruthy();
    expect(p.getAttribute('aria-label')).toMatch(/^Sync: .+\. Show sync details\.$/);
  });

  it('updates from a sync-status event', async () => {
    start(syncStatusFixture({ state: 'synced' }));
    expect((await pill()).textContent!.trim()).toBe('Synced');
    await emitSyncStatus(syncStatusFixture({ state: 'offline', events_waiting: 12, scans_waiting: 1 }));
    await waitFor(async () => expect((await pill()).textContent!.trim()).toBe('Offline · 13 waiting'));
  });

  it('opens the details, closes with Escape and gives focus back', async () => {
    start(
      syncStatusFixture({
        state: 'waiting',
        events_waiting: 4,
        scans_waiting: 2,
        next_attempt_us: (Date.now() + 30_000) * 1000,
        last_error: { code: 'server_busy', message: 'The server is busy; it asked to wait.', at_us: Date.now() * 1000 },
      }),
    );
    const p = await pill();
    await fireEvent.click(p);
    const dialog = screen.getByRole('dialog');
    expect(p.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByTestId('sync-server').textContent).toBe('https://sync.clinic.example');
    expect(screen.getByTestId('sync-workstation').textContent).toBe('Reception PC');
    expect(screen.getByTestId('sync-events-waiting').textContent).toBe('4');
    expect(screen.getByTestId('sync-scans-waiting').textContent).toBe('2');
    expect(screen.getByTestId('sync-last-success').textContent).toMatch(/^1 minute ago \(/);
    expect(screen.getByTestId('sync-next-attempt').textContent).toMatch(/^in 30 seconds \(/);
    expect(screen.getByTestId('sync-last-error').textContent).toContain('The server is busy; it asked to wait.');
    expect(screen.getByTestId('sync-local-head').textContent).toBe('seq 4812 · 9f2c41d0a7be…');
    expect(screen.getByTestId('sync-anchor').textContent).toContain('seq 4800 · abcdef012345…');
    await fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(p));
  });

  it('says "never" before a first sync', async () => {
    start(syncStatusFixture({ state: 'offline', last_success_us: null, anchor: null }));
    await fireEvent.click(await pill());
    expect(screen.getByTestId('sync-last-success').textContent).toBe('never');
    expect(screen.getByTestId('sync-anchor').textContent!.trim()).toBe('none yet');
  });

  it('asks for a sync with Sync now and says so', async () => {
    const { calls } = start(syncStatusFixture({ state: 'offline', events_waiting: 2 }), 'receptionist', {
      sync_now: () => syncStatusFixture({ state: 'syncing' }),
    });
    await fireEvent.click(await pill());
    const now = screen.getByTestId('sync-now') as HTMLButtonElement;
    expect(now.disabled).toBe(false);
    expect(named(calls, 'sync_now')).toHaveLength(0);
    await fireEvent.click(now);
    await screen.findByTestId('sync-asked');
    expect(named(calls, 'sync_now')).toHaveLength(1);
    // The answer says it is syncing: the button waits.
    expect(now.disabled).toBe(true);
    expect((await pill()).textContent!.trim()).toBe('Syncing…');
  });

  it('shows a failed Sync now in plain words', async () => {
    start(syncStatusFixture(), 'clinician', {
      sync_now: () => {
        throw { code: 'locked', message: 'the vault is locked' };
      },
    });
    await fireEvent.click(await pill());
    await fireEvent.click(screen.getByTestId('sync-now'));
    expect((await screen.findByRole('alert')).textContent).toBe('The vault is locked');
  });

  it('disables Sync now while syncing', async () => {
    start(syncStatusFixture({ state: 'syncing' }));
    await fireEvent.click(await pill());
    expect((screen.getByTestId('sync-now') as HTMLButtonElement).disabled).toBe(true);
  });

  it('tells staff who are not admins to ask an administrator, with no way to enroll', async () => {
    start(syncStatusFixture({ state: 'not_enrolled' }), 'receptionist');
    await fireEvent.click(await pill());
    expect(screen.getByTestId('sync-ask-admin').textContent!.trim()).toBe(
      'This workstation is not connected to a sync server. Ask your administrator.',
    );
    expect(screen.queryByTestId('sync-open-settings')).toBeNull();
    expect((screen.getByTestId('sync-now') as HTMLButtonElement).disabled).toBe(true);
  });

  it('sends an admin to Settings › Sync server', async () => {
    const { onsettings } = start(syncStatusFixture({ state: 'not_enrolled' }), 'admin');
    await fireEvent.click(await pill());
    expect(screen.queryByTestId('sync-ask-admin')).toBeNull();
    await fireEvent.click(screen.getByTestId('sync-open-settings'));
    expect(onsettings).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});
