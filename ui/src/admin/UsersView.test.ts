import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import UsersView from './UsersView.svelte';
import { installIpc, named, sessionFixture } from '../testing/ipcMock';
import type { UserSummary } from '../lib/ipc';

afterEach(() => {
  cleanup();
  clearMocks();
});

function user(over: Partial<UserSummary>): UserSummary {
  return { name: 'x', role: 'receptionist', enabled: true, password: 'set', totp: 'confirmed', failed_attempts: 0, locked_out: false, ...over };
}

const USERS = [
  user({ name: 'anna', role: 'admin' }),
  user({ name: 'rita', failed_attempts: 3 }),
  user({ name: 'carl', role: 'clinician', enabled: false }),
];

const row = (name: string) => document.querySelector(`tr[data-user="${name}"]`) as HTMLElement;

describe('UsersView', () => {
  it('lists users with status badges and the actions that apply', async () => {
    installIpc({ list_users: () => USERS });
    render(UsersView, { session: sessionFixture(), onsessionchange: vi.fn() });
    await waitFor(() => expect(row('rita')).toBeTruthy());
    expect(within(row('rita')).getByText('3 failed attempts')).toBeTruthy();
    expect(within(row('rita')).getByRole('button', { name: 'Clear lockout' })).toBeTruthy();
    expect(within(row('anna')).queryByRole('button', { name: 'Clear lockout' })).toBeNull();
    // An admin cannot disable themselves from here.
    expect(within(row('anna')).queryByRole('button', { name: 'Disable' })).toBeNull();
    expect(within(row('carl')).getByText('Disabled')).toBeTruthy();
    expect(within(row('carl')).getByRole('button', { name: 'Enable' })).toBeTruthy();
  });

  it('adds a user and shows the one-time password once', async () => {
    const calls = installIpc({
      list_users: () => USERS,
      add_user: (a) => ({ user: a.name, role: a.role, one_time_password: 'OTP7-XK2M-99QA', expires_us: 1_900_000_000_000_000 }),
    });
    const onsessionchange = vi.fn();
    render(UsersView, { session: sessionFixture(), onsessionchange });
    await fireEvent.input(screen.getByLabelText('User name'), { target: { value: 'bob' } });
    await fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'clinician' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add user' }));
    await screen.findByText('OTP7-XK2M-99QA');
    expect(named(calls, 'add_user')[0].args).toEqual({ name: 'bob', role: 'clinician' });
    expect(screen.getByText(/^Hand this to bob\. It works once, until .+\.$/)).toBeTruthy();
    expect(onsessionchange).toHaveBeenCalled();
    await fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByText('OTP7-XK2M-99QA')).toBeNull();
  });

  it('asks inline before disabling', async () => {
    const calls = installIpc({ list_users: () => USERS, disable_user: () => ({ rotate_recovery_key: false }) });
    render(UsersView, { session: sessionFixture(), onsessionchange: vi.fn() });
    await waitFor(() => expect(row('rita')).toBeTruthy());
    await fireEvent.click(within(row('rita')).getByRole('button', { name: 'Disable' }));
    expect(named(calls, 'disable_user')).toHaveLength(0);
    expect(within(row('rita')).getByText(/Disable rita\?/)).toBeTruthy();
    await fireEvent.click(within(row('rita')).getByRole('button', { name: 'Cancel' }));
    expect(named(calls, 'disable_user')).toHaveLength(0);
    await fireEvent.click(within(row('rita')).getByRole('button', { name: 'Disable' }));
    await fireEvent.click(within(row('rita')).getByRole('button', { name: 'Yes, disable' }));
    await waitFor(() => expect(named(calls, 'disable_user')).toEqual([{ cmd: 'disable_user', args: { name: 'rita' } }]));
  });

  it('reminds to rotate the recovery key after disabling an admin', async () => {
    const admins = [...USERS, user({ name: 'zoe', role: 'admin' })];
    installIpc({ list_users: () => admins, disable_user: () => ({ rotate_recovery_key: true }) });
    render(UsersView, { session: sessionFixture(), onsessionchange: vi.fn() });
    await waitFor(() => expect(row('zoe')).toBeTruthy());
    await fireEvent.click(within(row('zoe')).getByRole('button', { name: 'Disable' }));
    await fireEvent.click(within(row('zoe')).getByRole('button', { name: 'Yes, disable' }));
    await screen.findByText(/zoe was an admin and may know the recovery key, which still works: rotate it in Keys\./);
  });

  it('shows a reset code once after confirming', async () => {
    installIpc({ list_users: () => USERS, reset_totp: () => 'RESET-1234-5678-9ABC' });
    render(UsersView, { session: sessionFixture(), onsessionchange: vi.fn() });
    await waitFor(() => expect(row('rita')).toBeTruthy());
    await fireEvent.click(within(row('rita')).getByRole('button', { name: 'Reset authenticator' }));
    await fireEvent.click(within(row('rita')).getByRole('button', { name: 'Yes, reset' }));
    await screen.findByText('RESET-1234-5678-9ABC');
    await fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByText('RESET-1234-5678-9ABC')).toBeNull();
  });

  it('shows an error from the core', async () => {
    installIpc({
      list_users: () => USERS,
      clear_lockout: () => {
        throw { code: 'forbidden', message: 'Only an administrator can do this.' };
      },
    });
    render(UsersView, { session: sessionFixture(), onsessionchange: vi.fn() });
    await waitFor(() => expect(row('rita')).toBeTruthy());
    await fireEvent.click(within(row('rita')).getByRole('button', { name: 'Clear lockout' }));
    expect(await screen.findByText('Only an administrator can do this.')).toBeTruthy();
  });
});
