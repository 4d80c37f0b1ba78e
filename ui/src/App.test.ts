import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import App from './App.svelte';
import { emitEnrollmentExpired, emitLocked, installIpc, named, sessionFixture, statusFixture, type Handlers } from './testing/ipcMock';
import type { AppStatus, Enrollment, SessionInfo } from './lib/ipc';

// The patients area belongs to another part of the UI; a stub that shows (fictional) PHI
// is enough to prove that a lock removes it.
vi.mock('./patients/PatientsView.svelte', async () => await import('./shell/testing/PatientsStub.svelte'));

afterEach(() => {
  cleanup();
  clearMocks();
});

function status(over: Partial<AppStatus> = {}): AppStatus {
  return statusFixture(over);
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

  describe('an unattended first login', () => {
    const enrollment: Enrollment = {
      totp_uri: 'otpauth://totp/Clinic%20Vault:rita?secret=JBSWY3DPEHPK3PXP&issuer=Clinic%20Vault',
      qr_svg: '<svg xmlns="http://www.w3.org/2000/svg" data-testid="qr"><rect width="1" height="1"/></svg>',
      secret: 'JBSWY3DPEHPK3PXP',
    };
    const message =
      'The setup page was closed after 5 minutes without activity. Your new password is set: unlock with it and your authenticator\'s code, or ask an administrator for a reset code.';

    async function openSetupPage(extra: Handlers = {}) {
      const calls = start(null, {
        check_password: () => ({ acceptable: true, score: 4, problems: [] }),
        first_login: () => enrollment,
        ...extra,
      });
      await waitFor(() => expect(document.querySelector('[data-screen="unlock"]')).toBeTruthy());
      await fireEvent.click(screen.getByRole('button', { name: 'First login with a one-time password' }));
      await fireEvent.change(screen.getByLabelText('User'), { target: { value: 'rita' } });
      await fireEvent.input(screen.getByLabelText('One-time password'), { target: { value: 'ABCD-EFGH-JKMN' } });
      await fireEvent.input(screen.getByLabelText('New password'), { target: { value: 'a long and unusual passphrase' } });
      await fireEvent.input(screen.getByLabelText('Confirm new password'), {
        target: { value: 'a long and unusual passphrase' },
      });
      const submit = screen.getByRole('button', { name: 'Set password' }) as HTMLButtonElement;
      await waitFor(() => expect(submit.disabled).toBe(false), { timeout: 2000 });
      await fireEvent.click(submit);
      await screen.findByRole('button', { name: 'Confirm code' });
      expect(document.querySelector('[data-testid="qr"]')).toBeTruthy();
      expect(screen.getByText('JBSW Y3DP EHPK 3PXP')).toBeTruthy();
      return calls;
    }

    function expectSetupPageGone() {
      expect(document.querySelector('[data-testid="qr"]')).toBeNull();
      expect(document.querySelector('.secret')).toBeNull();
      const page = document.body.innerHTML.replace(/\s+/g, '');
      expect(page).not.toContain('JBSWY3DPEHPK3PXP');
      expect(page).not.toContain('otpauth');
      expect(screen.queryByRole('button', { name: 'Confirm code' })).toBeNull();
      expect(screen.getByRole('button', { name: 'Unlock' })).toBeTruthy();
      expect(screen.getByRole('status').textContent).toContain(message);
      expect((screen.getByLabelText('User') as HTMLSelectElement).value).toBe('rita');
    }

    it('reports input on the setup page, whose deadline it postpones', async () => {
      const calls = await openSetupPage();
      const before = named(calls, 'report_activity').length;
      await fireEvent.keyDown(window, { key: '1' });
      await waitFor(() => expect(named(calls, 'report_activity').length).toBe(before + 1));
    });

    it('drops the QR code and the setup key when the shell says the page expired', async () => {
      await openSetupPage();
      await emitEnrollmentExpired({ user: 'rita', kind: 'first_login', idle_lock_secs: 300, message });
      await waitFor(() => expect(document.querySelector('[data-testid="qr"]')).toBeNull());
      expectSetupPageGone();
    });

    it('drops the page too when a code arrives after the deadline', async () => {
      const calls = await openSetupPage({
        finish_enrollment: () => {
          throw { code: 'enrollment_expired', message };
        },
      });
      await fireEvent.input(screen.getByLabelText('6-digit code'), { target: { value: '123456' } });
      await fireEvent.click(screen.getByRole('button', { name: 'Confirm code' }));
      await waitFor(() => expect(document.querySelector('[data-testid="qr"]')).toBeNull());
      expectSetupPageGone();
      expect(named(calls, 'finish_enrollment')).toHaveLength(1);
    });
  });
});
