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

  it('offers the account chores only on other, enabled users', async () => {
    installIpc({ list_users: () => USERS });
    render(UsersView, { session: sessionFixture(), onsessionchange: vi.fn() });
    await waitFor(() => expect(row('rita')).toBeTruthy());
    expect(screen.getByTestId('reset-password-rita')).toBeTruthy();
    expect(screen.getByTestId('change-role-rita')).toBeTruthy();
    // Not one's own account, not a disabled user.
    expect(screen.queryByTestId('reset-password-anna')).toBeNull();
    expect(screen.queryByTestId('change-role-anna')).toBeNull();
    expect(screen.queryByTestId('reset-password-carl')).toBeNull();
    expect(screen.queryByTestId('change-role-carl')).toBeNull();
  });

  it('resets a password after an alert-level confirm and shows the one-time password once', async () => {
    const calls = installIpc({
      list_users: () => USERS,
      reset_password: (a) => ({ user: a.name, role: 'receptionist', one_time_password: 'NEW1-OTP2-XYZ3', expires_us: 1_900_000_000_000_000 }),
    });
    render(UsersView, { session: sessionFixture(), onsessionchange: vi.fn() });
    await waitFor(() => expect(row('rita')).toBeTruthy());
    await fireEvent.click(screen.getByTestId('reset-password-rita'));
    expect(named(calls, 'reset_password')).toHaveLength(0);
    const question = within(row('rita')).getByText(/Reset rita's password\?/);
    expect(question.textContent).toMatch(/old password .*stop working/);
    expect(question.textContent).toMatch(/alert-level/);
    await fireEvent.click(within(row('rita')).getByRole('button', { name: 'Cancel' }));
    expect(named(calls, 'reset_password')).toHaveLength(0);
    await fireEvent.click(screen.getByTestId('reset-password-rita'));
    await fireEvent.click(within(row('rita')).getByRole('button', { name: 'Yes, reset password' }));
    await screen.findByText('NEW1-OTP2-XYZ3');
    expect(named(calls, 'reset_password')).toEqual([{ cmd: 'reset_password', args: { name: 'rita' } }]);
    expect(screen.getByRole('heading', { name: 'New one-time password for rita' })).toBeTruthy();
    expect(screen.getByText(/Their old password no longer works/)).toBeTruthy();
    await waitFor(() => expect(named(calls, 'list_users')).toHaveLength(2));
    await fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByText('NEW1-OTP2-XYZ3')).toBeNull();
    expect(document.body.innerHTML).not.toContain('NEW1-OTP2-XYZ3');
  });

  it('shows why a password reset was refused', async () => {
    installIpc({
      list_users: () => USERS,
      reset_password: () => {
        throw { code: 'full_unlock_required', message: 'x' };
      },
    });
    render(UsersView, { session: sessionFixture({ pin_session: true }), onsessionchange: vi.fn() });
    await waitFor(() => expect(row('rita')).toBeTruthy());
    await fireEvent.click(screen.getByTestId('reset-password-rita'));
    await fireEvent.click(within(row('rita')).getByRole('button', { name: 'Yes, reset password' }));
    expect(
      await screen.findByText('This needs a full unlock with your password and code: lock and unlock again with them.'),
    ).toBeTruthy();
    expect(document.querySelector('.secret')).toBeNull();
  });

  it('changes a role after choosing it and confirming, then reloads the users', async () => {
    let users = USERS;
    const calls = installIpc({
      list_users: () => users,
      change_role: (a) => {
        users = users.map((u) => (u.name === a.name ? { ...u, role: a.role as UserSummary['role'] } : u));
        return 'receptionist';
      },
    });
    const onsessionchange = vi.fn();
    render(UsersView, { session: sessionFixture(), onsessionchange });
    await waitFor(() => expect(row('rita')).toBeTruthy());
    await fireEvent.click(screen.getByTestId('change-role-rita'));
    expect(within(row('rita')).getByText(/alert-level/)).toBeTruthy();
    const select = screen.getByLabelText('New role') as HTMLSelectElement;
    // The current role cannot be picked.
    expect((select.querySelector('option[value="receptionist"]') as HTMLOptionElement).disabled).toBe(true);
    await fireEvent.change(select, { target: { value: 'clinician' } });
    expect(named(calls, 'change_role')).toHaveLength(0);
    await fireEvent.click(within(row('rita')).getByRole('button', { name: 'Yes, change role' }));
    await screen.findByText(/rita is now Clinician \(was Receptionist\)/);
    expect(named(calls, 'change_role')).toEqual([{ cmd: 'change_role', args: { name: 'rita', role: 'clinician' } }]);
    expect(named(calls, 'list_users')).toHaveLength(2);
    await waitFor(() => expect(within(row('rita')).getByText('Clinician')).toBeTruthy());
    expect(onsessionchange).toHaveBeenCalled();
  });

  it('shows a refused role change', async () => {
    installIpc({
      list_users: () => USERS,
      change_role: () => {
        throw { code: 'conflict', message: 'The last administrator cannot lose that role.' };
      },
    });
    render(UsersView, { session: sessionFixture(), onsessionchange: vi.fn() });
    await waitFor(() => expect(row('rita')).toBeTruthy());
    await fireEvent.click(screen.getByTestId('change-role-rita'));
    await fireEvent.click(within(row('rita')).getByRole('button', { name: 'Yes, change role' }));
    expect(await screen.findByText('The last administrator cannot lose that role.')).toBeTruthy();
  });
});
