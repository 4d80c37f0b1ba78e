import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import UnlockScreen from './UnlockScreen.svelte';
import { installIpc, named, sessionFixture } from '../testing/ipcMock';
import type { Enrollment } from '../lib/ipc';

afterEach(() => {
  cleanup();
  clearMocks();
  vi.useRealTimers();
});

const enrollment: Enrollment = {
  totp_uri: 'otpauth://totp/Clinic%20Vault:rita?secret=JBSWY3DPEHPK3PXP',
  qr_svg: '<svg xmlns="http://www.w3.org/2000/svg" data-testid="qr"><rect width="1" height="1"/></svg>',
  secret: 'JBSWY3DPEHPK3PXP',
};

function input(label: string): HTMLInputElement {
  return screen.getByLabelText(label) as HTMLInputElement;
}
async function type(label: string, value: string) {
  await fireEvent.input(input(label), { target: { value } });
}
function button(name: string | RegExp): HTMLButtonElement {
  return screen.getByRole('button', { name }) as HTMLButtonElement;
}
async function fillUnlock(code = '123456') {
  await type('Password', 'correct horse battery staple');
  await type('6-digit code', code);
}

describe('UnlockScreen', () => {
  it('preselects the only user and focuses the password', async () => {
    installIpc({});
    render(UnlockScreen, { users: ['rita'], onunlocked: vi.fn() });
    expect(document.querySelector('[data-screen="unlock"]')).toBeTruthy();
    expect((screen.getByLabelText('User') as HTMLSelectElement).value).toBe('rita');
    await waitFor(() => expect(document.activeElement).toBe(input('Password')));
    expect(input('Password').type).toBe('password');
    expect(input('6-digit code').getAttribute('autocomplete')).toBe('off');
    expect(input('6-digit code').maxLength).toBe(6);
  });

  it('asks to choose among several users and waits for all fields', async () => {
    installIpc({});
    render(UnlockScreen, { users: ['anna', 'rita'], onunlocked: vi.fn() });
    const select = screen.getByLabelText('User') as HTMLSelectElement;
    expect(select.value).toBe('');
    await waitFor(() => expect(document.activeElement).toBe(select));
    expect(button('Unlock').disabled).toBe(true);
    await fireEvent.change(select, { target: { value: 'rita' } });
    await fillUnlock('12345');
    expect(button('Unlock').disabled).toBe(true);
    await type('6-digit code', '123456');
    expect(button('Unlock').disabled).toBe(false);
  });

  it('unlocks with user, password and code', async () => {
    const session = sessionFixture({ user: 'rita', role: 'receptionist', enabled_admins: null });
    const calls = installIpc({ unlock: () => ({ session, enrollment: null }) });
    const onunlocked = vi.fn();
    render(UnlockScreen, { users: ['rita'], onunlocked });
    await fillUnlock();
    await fireEvent.submit(button('Unlock').form!);
    await waitFor(() => expect(onunlocked).toHaveBeenCalledWith(session));
    expect(named(calls, 'unlock')[0].args).toEqual({ user: 'rita', password: 'correct horse battery staple', code: '123456' });
  });

  it('says wrong credentials without saying which, and clears the secrets', async () => {
    installIpc({
      unlock: () => {
        throw { code: 'bad_credentials', message: 'internal detail' };
      },
    });
    render(UnlockScreen, { users: ['rita'], onunlocked: vi.fn() });
    await fillUnlock();
    await fireEvent.click(button('Unlock'));
    expect(await screen.findByText('Wrong user name, password or code.')).toBeTruthy();
    expect(screen.queryByText('internal detail')).toBeNull();
    expect(input('Password').value).toBe('');
    expect(input('6-digit code').value).toBe('');
  });

  it('counts down a lockout and keeps Unlock disabled until it ends', async () => {
    vi.useFakeTimers();
    installIpc({
      unlock: () => {
        throw { code: 'locked_out', message: 'Locked out', retry_after_secs: 65 };
      },
    });
    render(UnlockScreen, { users: ['rita'], onunlocked: vi.fn() });
    await fillUnlock();
    await fireEvent.click(button('Unlock'));
    await vi.advanceTimersByTimeAsync(0);
    const alert = document.querySelector('[data-problem="locked_out"]')!;
    expect(alert.textContent).toContain('01:05');
    await fillUnlock();
    expect(button('Unlock').disabled).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(alert.textContent).toContain('01:04');
    await vi.advanceTimersByTimeAsync(64_000);
    expect(document.querySelector('[data-problem="locked_out"]')).toBeNull();
    expect(button('Unlock').disabled).toBe(false);
  });

  it('says when only an administrator can clear the lockout', async () => {
    installIpc({
      unlock: () => {
        throw { code: 'locked_out', message: 'Locked out', retry_after_secs: null };
      },
    });
    render(UnlockScreen, { users: ['anna', 'rita'], initialUser: 'rita', onunlocked: vi.fn() });
    await fillUnlock();
    await fireEvent.click(button('Unlock'));
    expect(await screen.findByText('Locked — an administrator must clear the lockout')).toBeTruthy();
    await fillUnlock();
    expect(button('Unlock').disabled).toBe(true);
    // Another user is not affected.
    await fireEvent.change(screen.getByLabelText('User'), { target: { value: 'anna' } });
    expect(document.querySelector('[data-problem="locked_out"]')).toBeNull();
    expect(button('Unlock').disabled).toBe(false);
  });

  it('explains a clock that is behind and shows the PC time in UTC', async () => {
    installIpc({
      unlock: () => {
        throw { code: 'clock_error', message: 'clock', pc_time_utc: '2020-01-02T03:04:05Z' };
      },
    });
    render(UnlockScreen, { users: ['rita'], onunlocked: vi.fn() });
    await fillUnlock();
    await fireEvent.click(button('Unlock'));
    await screen.findByText(/clock looks wrong/);
    const alert = document.querySelector('[data-problem="clock_error"]')!;
    expect(alert.textContent).toContain('2020-01-02 03:04:05 UTC');
    expect(alert.textContent).toMatch(/set the correct date and time/);
    // Not a failed attempt: what was typed stays.
    expect(input('Password').value).not.toBe('');
  });

  it('shows other errors with their message', async () => {
    installIpc({
      unlock: () => {
        throw { code: 'vault_too_new', message: 'This vault needs a newer app.' };
      },
    });
    render(UnlockScreen, { users: ['rita'], onunlocked: vi.fn() });
    await fillUnlock();
    await fireEvent.click(button('Unlock'));
    expect(await screen.findByText('This vault needs a newer app.')).toBeTruthy();
  });

  it('shows the lock notice', () => {
    installIpc({});
    render(UnlockScreen, { users: ['rita'], notice: 'Locked after 5 minutes without activity.', onunlocked: vi.fn() });
    expect(screen.getByRole('status').textContent).toContain('Locked after 5 minutes without activity.');
  });

  it('takes a long reset code, then enrolls and confirms a new authenticator', async () => {
    const session = sessionFixture({ user: 'rita', role: 'clinician', enabled_admins: null });
    const calls = installIpc({
      unlock: () => ({ session, enrollment }),
      confirm_totp: () => session,
    });
    const onunlocked = vi.fn();
    render(UnlockScreen, { users: ['rita'], onunlocked });
    await fireEvent.click(button('Reset my authenticator'));
    const code = input('Reset code');
    expect(code.maxLength).toBe(32);
    await type('Password', 'correct horse battery staple');
    await type('Reset code', 'RST-7K2M-9QXP-4VHD');
    await fireEvent.click(button('Unlock'));
    await screen.findByRole('button', { name: 'Confirm code' });
    expect(document.querySelector('[data-testid="qr"]')).toBeTruthy();
    expect(screen.getByText('JBSW Y3DP EHPK 3PXP')).toBeTruthy();
    expect(onunlocked).not.toHaveBeenCalled();
    await type('6-digit code', '654321');
    await fireEvent.click(button('Confirm code'));
    await waitFor(() => expect(onunlocked).toHaveBeenCalledWith(session));
    expect(named(calls, 'unlock')[0].args.code).toBe('RST-7K2M-9QXP-4VHD');
    expect(named(calls, 'confirm_totp')[0].args).toEqual({ code: '654321' });
  });

  it('shows a wrong enrollment code inline', async () => {
    const session = sessionFixture();
    installIpc({
      unlock: () => ({ session, enrollment }),
      confirm_totp: () => {
        throw { code: 'bad_credentials', message: 'x' };
      },
    });
    render(UnlockScreen, { users: ['anna'], onunlocked: vi.fn() });
    await fillUnlock();
    await fireEvent.click(button('Unlock'));
    await screen.findByRole('button', { name: 'Confirm code' });
    await type('6-digit code', '000000');
    await fireEvent.click(button('Confirm code'));
    expect(await screen.findByText(/That code did not match/)).toBeTruthy();
  });

  it('runs a first login: one-time password, new password, enrollment, finish', async () => {
    const session = sessionFixture({ user: 'rita', role: 'receptionist', enabled_admins: null });
    const calls = installIpc({
      check_password: (a) => ({ acceptable: String(a.password).length >= 12, score: 4, problems: [] }),
      first_login: () => enrollment,
      finish_enrollment: () => session,
    });
    const onunlocked = vi.fn();
    render(UnlockScreen, { users: ['rita'], onunlocked });
    await fireEvent.click(button('First login with a one-time password'));
    await type('One-time password', 'ABCD-EFGH-JKMN');
    await type('New password', 'a long and unusual passphrase');
    await type('Confirm new password', 'a long and unusual passphrase');
    await waitFor(() => expect(button('Set password').disabled).toBe(false), { timeout: 2000 });
    await fireEvent.click(button('Set password'));
    await screen.findByRole('button', { name: 'Confirm code' });
    expect(named(calls, 'first_login')[0].args).toEqual({
      user: 'rita',
      oneTimePassword: 'ABCD-EFGH-JKMN',
      newPassword: 'a long and unusual passphrase',
    });
    await type('6-digit code', '111222');
    await fireEvent.click(button('Confirm code'));
    await waitFor(() => expect(onunlocked).toHaveBeenCalledWith(session));
    expect(named(calls, 'finish_enrollment')[0].args).toEqual({ code: '111222' });
  });

  it('cancels a started recovery and forgets it in Rust', async () => {
    const calls = installIpc({
      check_password: () => ({ acceptable: true, score: 4, problems: [] }),
      recover_admin: () => enrollment,
    });
    render(UnlockScreen, { users: ['anna'], onunlocked: vi.fn() });
    await fireEvent.click(button('Use recovery key'));
    await type('Administrator name', 'anna');
    await type('Recovery key', 'AAAA-BBBB-CCCC-DDDD');
    await type('New password', 'another long passphrase');
    await type('Confirm new password', 'another long passphrase');
    await waitFor(() => expect(button('Recover account').disabled).toBe(false), { timeout: 2000 });
    await fireEvent.click(button('Recover account'));
    await screen.findByRole('button', { name: 'Confirm code' });
    await fireEvent.click(button('Cancel'));
    await waitFor(() => expect(named(calls, 'cancel_enrollment')).toHaveLength(1));
    expect(screen.getByRole('button', { name: 'Unlock' })).toBeTruthy();
    expect(document.querySelector('.secret')).toBeNull();
  });

  it('offers to accept the clock once the vault refused it, and passes the choice to Rust', async () => {
    let n = 0;
    const calls = installIpc({
      check_password: () => ({ acceptable: true, score: 4, problems: [] }),
      recover_admin: () => {
        n += 1;
        if (n === 1) throw { code: 'clock_error', message: 'behind', pc_time_utc: '2026-01-01T00:00:00Z' };
        return enrollment;
      },
    });
    render(UnlockScreen, { users: ['anna'], onunlocked: vi.fn() });
    await fireEvent.click(button('Use recovery key'));
    expect(screen.queryByLabelText(/clock is right/)).toBeNull();
    await type('Administrator name', 'anna');
    await type('Recovery key', 'AAAA-BBBB-CCCC-DDDD');
    await type('New password', 'another long passphrase');
    await type('Confirm new password', 'another long passphrase');
    await waitFor(() => expect(button('Recover account').disabled).toBe(false), { timeout: 2000 });
    await fireEvent.click(button('Recover account'));
    const accept = (await screen.findByLabelText(/clock is right/)) as HTMLInputElement;
    expect(named(calls, 'recover_admin')[0].args).toMatchObject({ acceptClock: false });
    await fireEvent.click(accept);
    await fireEvent.click(button('Recover account'));
    await screen.findByRole('button', { name: 'Confirm code' });
    expect(named(calls, 'recover_admin')[1].args).toMatchObject({ admin: 'anna', acceptClock: true });
  });
});
