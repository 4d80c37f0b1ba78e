import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import UnlockScreen from './UnlockScreen.svelte';
import { installIpc, named, sessionFixture, statusFixture, type Handlers } from '../testing/ipcMock';
import type { ArmedUser } from '../lib/ipc';

afterEach(() => {
  cleanup();
  clearMocks();
});

const USERS = ['anna', 'carl', 'rita'];
const ARMED: ArmedUser[] = [
  { user: 'carl', attempts_left: 3 },
  { user: 'rita', attempts_left: 3 },
];

function start(handlers: Handlers = {}, quickUsers: ArmedUser[] = ARMED) {
  const calls = installIpc(handlers);
  const onunlocked = vi.fn();
  const onstatus = vi.fn();
  render(UnlockScreen, { users: USERS, quickUsers, onunlocked, onstatus });
  return { calls, onunlocked, onstatus };
}

const pinInput = () => screen.getByTestId('pin-input') as HTMLInputElement;
const userSelect = () => screen.getByLabelText('User') as HTMLSelectElement;

async function typePin(pin: string) {
  await fireEvent.input(pinInput(), { target: { value: pin } });
  await fireEvent.click(screen.getByTestId('pin-submit'));
}

/** app_status answers `armed` from the n-th call on. */
function statusAfter(armed: ArmedUser[]) {
  return () => statusFixture({ users: USERS, quick_users: armed });
}

describe('quick unlock on the unlock screen', () => {
  it('lists the armed users first, before the password form, which stays for the others', async () => {
    start();
    const quick = screen.getAllByRole('button', { name: /^Unlock as .+ with PIN$/ });
    expect(quick.map((b) => b.dataset.testid)).toEqual(['quick-unlock-carl', 'quick-unlock-rita']);
    expect(quick[0].textContent!.trim()).toBe('Unlock as carl with PIN');
    // Document order: the PIN buttons come before the full unlock.
    const select = userSelect();
    expect(quick[1].compareDocumentPosition(select) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Unlock' })).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(quick[0]));
  });

  it('shows no PIN buttons when nobody is armed', () => {
    start({}, []);
    expect(screen.queryByRole('button', { name: /with PIN$/ })).toBeNull();
  });

  it('unlocks with the PIN and says nothing about it afterwards', async () => {
    const session = sessionFixture({ user: 'rita', role: 'receptionist', enabled_admins: null, pin_session: true });
    const { calls, onunlocked } = start({ quick_unlock: () => session });
    await fireEvent.click(screen.getByTestId('quick-unlock-rita'));
    expect(pinInput().type).toBe('password');
    expect(pinInput().getAttribute('inputmode')).toBe('numeric');
    expect(pinInput().getAttribute('autocomplete')).toBe('off');
    await waitFor(() => expect(document.activeElement).toBe(pinInput()));
    expect(screen.getByTestId('pin-attempts').textContent).toMatch(/3 attempts left/);
    // Only the chosen user's PIN form is shown while typing it.
    expect(screen.queryByLabelText('Password')).toBeNull();
    await typePin('480137');
    await waitFor(() => expect(onunlocked).toHaveBeenCalledWith(session));
    expect(named(calls, 'quick_unlock')).toEqual([{ cmd: 'quick_unlock', args: { user: 'rita', pin: '480137' } }]);
    expect(pinInput().value).toBe('');
  });

  it('shows a wrong PIN with the attempts left, re-reads the status, and clears the field', async () => {
    const { calls, onstatus } = start({
      quick_unlock: () => {
        throw { code: 'bad_pin', message: 'Wrong PIN: 2 attempts left.' };
      },
      app_status: statusAfter([
        { user: 'carl', attempts_left: 3 },
        { user: 'rita', attempts_left: 2 },
      ]),
    });
    await fireEvent.click(screen.getByTestId('quick-unlock-rita'));
    await typePin('111222');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Wrong PIN: 2 attempts left.');
    expect(alert.dataset.problem).toBe('bad_pin');
    expect(named(calls, 'app_status')).toHaveLength(1);
    expect(calls.map((c) => c.cmd)).toEqual(['quick_unlock', 'app_status']);
    await waitFor(() => expect(screen.getByTestId('pin-attempts').textContent).toMatch(/2 attempts left/));
    expect(onstatus).toHaveBeenCalledWith(expect.objectContaining({ quick_users: expect.any(Array) }));
    expect(pinInput().value).toBe('');
    await waitFor(() => expect(pinInput().disabled).toBe(false));
  });

  it('falls back to the password with the user chosen when the last attempt wiped the PIN', async () => {
    start({
      quick_unlock: () => {
        throw { code: 'bad_pin', message: 'Wrong PIN: 0 attempts left. Unlock with your password and code.' };
      },
      app_status: statusAfter([{ user: 'carl', attempts_left: 3 }]),
    });
    await fireEvent.click(screen.getByTestId('quick-unlock-rita'));
    await typePin('111222');
    await waitFor(() => expect(screen.queryByTestId('pin-input')).toBeNull());
    expect(userSelect().value).toBe('rita');
    expect(screen.getByRole('alert').textContent).toBe('Wrong PIN: 0 attempts left. Unlock with your password and code.');
    expect(screen.queryByTestId('quick-unlock-rita')).toBeNull();
    expect(screen.getByTestId('quick-unlock-carl')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('Password')));
  });

  it('falls back to the password with the reason when the PIN cannot be used', async () => {
    const { calls } = start({
      quick_unlock: () => {
        throw {
          code: 'quick_unlock_unavailable',
          message: 'The PIN works only 12 hours after a password unlock: unlock with your password and code.',
        };
      },
      app_status: statusAfter([{ user: 'carl', attempts_left: 3 }]),
    });
    await fireEvent.click(screen.getByTestId('quick-unlock-rita'));
    await typePin('480137');
    await waitFor(() => expect(screen.queryByTestId('pin-input')).toBeNull());
    const alert = screen.getByRole('alert');
    expect(alert.dataset.problem).toBe('quick_unlock_unavailable');
    expect(alert.textContent).toMatch(/only 12 hours after a password unlock/);
    expect(userSelect().value).toBe('rita');
    expect(named(calls, 'app_status')).toHaveLength(1);
  });

  it('refuses what is not shaped like a PIN without spending an attempt', async () => {
    const { calls } = start();
    await fireEvent.click(screen.getByTestId('quick-unlock-rita'));
    await typePin('12');
    expect(screen.getByRole('alert').textContent).toBe('A PIN is 6 to 12 digits.');
    expect(named(calls, 'quick_unlock')).toHaveLength(0);
    expect(pinInput().value).toBe('');
  });

  it('keeps the PIN form when the core refuses the shape (no attempt spent)', async () => {
    const { calls } = start({
      quick_unlock: () => {
        throw { code: 'invalid_input', message: 'A PIN is 6 to 12 digits.', field: 'pin' };
      },
      app_status: statusAfter(ARMED),
    });
    await fireEvent.click(screen.getByTestId('quick-unlock-rita'));
    await typePin('480137');
    await waitFor(() => expect(named(calls, 'app_status')).toHaveLength(1));
    expect(pinInput().value).toBe('');
    expect(screen.getByTestId('pin-attempts').textContent).toMatch(/3 attempts left/);
  });

  it('offers the password instead, with the user chosen', async () => {
    const { calls } = start();
    await fireEvent.click(screen.getByTestId('quick-unlock-carl'));
    await fireEvent.click(screen.getByRole('button', { name: 'Use password instead' }));
    expect(screen.queryByTestId('pin-input')).toBeNull();
    expect(userSelect().value).toBe('carl');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(calls).toHaveLength(0);
  });

  it('goes back to the list for someone else', async () => {
    start();
    await fireEvent.click(screen.getByTestId('quick-unlock-carl'));
    await fireEvent.click(screen.getByRole('button', { name: 'Not carl?' }));
    expect(screen.getByTestId('quick-unlock-rita')).toBeTruthy();
    expect(screen.queryByTestId('pin-input')).toBeNull();
  });
});
