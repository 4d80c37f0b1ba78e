import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import App from './App.svelte';
import { emitLocked, installIpc, named, sessionFixture, statusFixture, type Handlers } from './testing/ipcMock';
import type { ArmedUser, SessionInfo } from './lib/ipc';

vi.mock('./patients/PatientsView.svelte', async () => await import('./shell/testing/PatientsStub.svelte'));

afterEach(() => {
  cleanup();
  clearMocks();
});

/** A shell whose lock arms the unlocked user's PIN (if set) and whose
 *  lock_require_password does not. */
function start(session: SessionInfo | null, extra: Handlers = {}) {
  let current: SessionInfo | null = session;
  let armed: ArmedUser[] = [];
  const calls = installIpc({
    app_status: () => statusFixture({ session: current, quick_users: armed }),
    lock: () => {
      if (current?.has_pin) armed = [{ user: current.user, attempts_left: 3 }];
      current = null;
      return null;
    },
    lock_require_password: () => {
      armed = armed.filter((a) => a.user !== current?.user);
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

async function chooseFromMenu(testid: string) {
  await fireEvent.click(screen.getByTestId('user-menu'));
  await fireEvent.click(screen.getByTestId(testid));
}

describe('App: staff at the desk', () => {
  it('switches user: locks (keeping the PIN), re-reads the status after the lock, lists the armed user first', async () => {
    const calls = start(sessionFixture({ user: 'rita', role: 'clinician', enabled_admins: null, has_pin: true }));
    await waitFor(() => expect(main()).toBeTruthy());
    await chooseFromMenu('menu-switch-user');
    expect(main()).toBeNull();
    await waitFor(() => expect(screen.getByTestId('quick-unlock-rita')).toBeTruthy());
    const cmds = calls.map((c) => c.cmd).filter((c) => c === 'lock' || c === 'app_status');
    // The first app_status is the start; the next comes only after the lock.
    expect(cmds).toEqual(['app_status', 'lock', 'app_status']);
    // The audit trail records the lock as a switch.
    expect(named(calls, 'lock')[0].args).toEqual({ reason: 'switch_user' });
    expect(named(calls, 'lock_require_password')).toHaveLength(0);
    expect(screen.getByRole('status').textContent).toMatch(/change of user/);
    // The next person is someone else: nobody is preselected.
    expect((screen.getByLabelText('User') as HTMLSelectElement).value).toBe('');
  });

  it("a late event of the app's own lock does not wipe the user who unlocked since", async () => {
    start(sessionFixture({ user: 'rita', role: 'clinician', enabled_admins: null, has_pin: true }), {
      quick_unlock: () => sessionFixture({ user: 'rita', role: 'clinician', enabled_admins: null, pin_session: true }),
    });
    await waitFor(() => expect(main()).toBeTruthy());
    await chooseFromMenu('menu-switch-user');
    await waitFor(() => expect(screen.getByTestId('quick-unlock-rita')).toBeTruthy());
    await fireEvent.click(screen.getByTestId('quick-unlock-rita'));
    await fireEvent.input(screen.getByTestId('pin-input'), { target: { value: '482915' } });
    await fireEvent.click(screen.getByTestId('pin-submit'));
    await waitFor(() => expect(main()).toBeTruthy());
    // The shell's event for the switch's lock comes only now.
    await emitLocked('manual');
    await emitLocked('switch_user');
    expect(main()).toBeTruthy();
    // A lock the shell made on its own still wipes.
    await emitLocked('idle');
    await waitFor(() => expect(main()).toBeNull());
  });

  it('locks and requires the password: the PIN is wiped, so nobody is offered a PIN', async () => {
    const calls = start(sessionFixture({ user: 'rita', role: 'clinician', enabled_admins: null, has_pin: true }));
    await waitFor(() => expect(main()).toBeTruthy());
    await chooseFromMenu('menu-lock-require-password');
    expect(main()).toBeNull();
    await waitFor(() => expect(named(calls, 'app_status')).toHaveLength(2));
    expect(named(calls, 'lock_require_password')).toHaveLength(1);
    expect(named(calls, 'lock')).toHaveLength(0);
    expect(screen.queryByTestId('quick-unlock-rita')).toBeNull();
    expect(screen.getByRole('status').textContent).toMatch(/needs the password and code/);
    expect((screen.getByLabelText('User') as HTMLSelectElement).value).toBe('rita');
  });

  it('opens the set-PIN dialog from the menu and refreshes the session once it is set', async () => {
    const calls = start(sessionFixture(), {
      set_pin: () => sessionFixture({ has_pin: true }),
      session_info: () => sessionFixture({ has_pin: true }),
    });
    await waitFor(() => expect(main()).toBeTruthy());
    expect(screen.queryByTestId('set-pin-dialog')).toBeNull();
    await chooseFromMenu('menu-set-pin');
    await fireEvent.input(screen.getByTestId('pin-new'), { target: { value: '480137' } });
    await fireEvent.input(screen.getByTestId('pin-confirm'), { target: { value: '480137' } });
    await fireEvent.click(screen.getByTestId('pin-save'));
    await screen.findByTestId('pin-set-note');
    await waitFor(() => expect(named(calls, 'session_info')).toHaveLength(1));
    await fireEvent.click(screen.getByTestId('pin-done'));
    expect(screen.queryByTestId('set-pin-dialog')).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('user-menu')));
    await fireEvent.click(screen.getByTestId('user-menu'));
    expect(screen.getByTestId('menu-set-pin').textContent!.trim()).toBe('Change PIN…');
  });

  describe('when the clinic requires a PIN', () => {
    const required = { allowed: true, pin_required: true, window_secs: 43200 };

    it('opens the set-PIN dialog by itself after a password unlock, with Lock as the only way out', async () => {
      const session = sessionFixture({ user: 'rita', role: 'receptionist', enabled_admins: null, quick_unlock: required });
      const calls = start(null, { unlock: () => ({ session, enrollment: null }) });
      await waitFor(() => expect(document.querySelector('[data-screen="unlock"]')).toBeTruthy());
      await fireEvent.change(screen.getByLabelText('User'), { target: { value: 'rita' } });
      await fireEvent.input(screen.getByLabelText('Password'), { target: { value: 'correct horse battery staple' } });
      await fireEvent.input(screen.getByLabelText('6-digit code'), { target: { value: '123456' } });
      await fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
      await waitFor(() => expect(main()).toBeTruthy());
      const dialog = screen.getByTestId('set-pin-dialog');
      expect(dialog.getAttribute('role')).toBe('dialog');
      expect(screen.queryByTestId('pin-cancel')).toBeNull();
      await fireEvent.keyDown(dialog, { key: 'Escape' });
      expect(screen.getByTestId('set-pin-dialog')).toBeTruthy();
      // The app behind it is inert.
      const frame = document.querySelector('.frame') as HTMLElement & { inert?: boolean };
      expect(frame.inert === true || frame.hasAttribute('inert')).toBe(true);
      await fireEvent.click(screen.getByTestId('pin-lock'));
      expect(main()).toBeNull();
      await waitFor(() => expect(named(calls, 'lock')).toHaveLength(1));
    });

    it('does not ask again once a PIN is set, nor in a session opened with a PIN', async () => {
      start(sessionFixture({ quick_unlock: required, has_pin: true }));
      await waitFor(() => expect(main()).toBeTruthy());
      expect(screen.queryByTestId('set-pin-dialog')).toBeNull();
      cleanup();
      clearMocks();
      start(sessionFixture({ quick_unlock: required, pin_session: true }));
      await waitFor(() => expect(main()).toBeTruthy());
      expect(screen.queryByTestId('set-pin-dialog')).toBeNull();
      expect(screen.getByTestId('pin-session-badge')).toBeTruthy();
    });

    it('does not ask when quick unlock is off', async () => {
      start(sessionFixture({ quick_unlock: { allowed: false, pin_required: true, window_secs: 43200 } }));
      await waitFor(() => expect(main()).toBeTruthy());
      expect(screen.queryByTestId('set-pin-dialog')).toBeNull();
    });
  });

  it('unlocks with a PIN from the unlock screen into a PIN session', async () => {
    const session = sessionFixture({ user: 'rita', role: 'receptionist', enabled_admins: null, pin_session: true });
    let current: SessionInfo | null = null;
    const calls = installIpc({
      app_status: () => statusFixture({ session: current, quick_users: [{ user: 'rita', attempts_left: 3 }] }),
      quick_unlock: () => {
        current = session;
        return session;
      },
      report_activity: () => null,
    });
    render(App);
    await fireEvent.click(await screen.findByTestId('quick-unlock-rita'));
    await fireEvent.input(screen.getByTestId('pin-input'), { target: { value: '480137' } });
    await fireEvent.click(screen.getByTestId('pin-submit'));
    await waitFor(() => expect(main()).toBeTruthy());
    expect(named(calls, 'quick_unlock')[0].args).toEqual({ user: 'rita', pin: '480137' });
    expect(screen.getByTestId('pin-session-badge')).toBeTruthy();
  });
});
