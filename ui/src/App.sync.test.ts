import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import App from './App.svelte';
import { installIpc, named, sessionFixture, statusFixture, syncStatusFixture, type Handlers } from './testing/ipcMock';
import type { SessionInfo } from './lib/ipc';

vi.mock('./patients/PatientsView.svelte', async () => await import('./shell/testing/PatientsStub.svelte'));

afterEach(() => {
  cleanup();
  clearMocks();
});

const OFFERED = 'http://127.0.0.1:8787';

function start(session: SessionInfo, extra: Handlers = {}, offered: string | null = OFFERED) {
  const calls = installIpc({
    app_status: () => statusFixture({ session, offered_server: offered }),
    report_activity: () => null,
    get_settings: () => ({ idle_lock_secs: 300, session_limit_secs: 43200 }),
    get_quick_unlock_settings: () => ({ allowed: true, pin_required: false, window_secs: 43200 }),
    enroll_device: () => syncStatusFixture({ server_url: OFFERED }),
    ...extra,
  });
  render(App);
  return calls;
}

describe('the sync in the app frame', () => {
  it('shows the pill on the main screen', async () => {
    start(sessionFixture({ role: 'clinician', enabled_admins: null }), { sync_status: () => syncStatusFixture() });
    expect((await screen.findByTestId('sync-indicator')).textContent!.trim()).toBe('Synced');
  });

  it('offers an admin the local server, and Connect enrolls with it', async () => {
    const calls = start(sessionFixture());
    const banner = await screen.findByTestId('sync-reminder');
    expect(banner.textContent).toContain(`Connect this workstation to the sync server at ${OFFERED}.`);
    await fireEvent.click(screen.getByTestId('sync-reminder-connect'));
    await screen.findByTestId('sync-reminder-done');
    expect(named(calls, 'enroll_device').map((c) => c.args)).toEqual([{ req: { offered: true } }]);
  });

  it('"Not now" hides the reminder for the session, across views', async () => {
    start(sessionFixture());
    await screen.findByTestId('sync-reminder');
    await fireEvent.click(screen.getByRole('button', { name: 'Not now' }));
    expect(screen.queryByTestId('sync-reminder')).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Settings' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Patients' }));
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByTestId('sync-reminder')).toBeNull();
  });

  it('does not offer it to staff who are not admins, nor when enrolled or nothing is offered', async () => {
    start(sessionFixture({ role: 'receptionist', enabled_admins: null }));
    await screen.findByTestId('sync-indicator');
    expect(screen.queryByTestId('sync-reminder')).toBeNull();
    cleanup();
    start(sessionFixture(), { sync_status: () => syncStatusFixture() });
    await screen.findByTestId('sync-indicator');
    expect(screen.queryByTestId('sync-reminder')).toBeNull();
    cleanup();
    start(sessionFixture(), {}, null);
    await screen.findByTestId('sync-indicator');
    expect(screen.queryByTestId('sync-reminder')).toBeNull();
  });

  it("takes an admin from the details to Settings › Sync server", async () => {
    start(sessionFixture(), {}, null);
    await fireEvent.click(await screen.findByTestId('sync-indicator'));
    await fireEvent.click(screen.getByTestId('sync-open-settings'));
    await waitFor(() => expect(document.activeElement?.id).toBe('sync-title'));
    expect(screen.getByLabelText('Enrollment code')).toBeTruthy();
  });
});
