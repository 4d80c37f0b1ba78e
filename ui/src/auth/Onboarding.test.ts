import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Onboarding from './Onboarding.svelte';
import { installIpc, named, sessionFixture } from '../testing/ipcMock';
import type { CreatedVault, PolicyReport } from '../lib/ipc';

afterEach(() => {
  cleanup();
  clearMocks();
});

const STRONG = 'plum tractor window seventeen';

/** A stand-in for the core policy: long passwords pass, short ones fail with a reason. */
function policy(args: Record<string, unknown>): PolicyReport {
  const pw = String(args.password);
  if (pw.length < 12) return { acceptable: false, score: 1, problems: ['Use at least 12 characters.'] };
  if (pw.includes(String(args.user))) return { acceptable: false, score: 2, problems: ['Do not use your user name.'] };
  return { acceptable: true, score: 4, problems: [] };
}

const created: CreatedVault = {
  session: sessionFixture({ enabled_admins: 1 }),
  enrollment: {
    totp_uri: 'otpauth://totp/x',
    qr_svg: '<svg xmlns="http://www.w3.org/2000/svg" data-testid="qr"></svg>',
    secret: 'JBSWY3DPEHPK3PXP',
  },
  recovery_key: 'RK01-2345-6789-ABCD-EFGH',
};

async function type(label: string, value: string) {
  await fireEvent.input(screen.getByLabelText(label), { target: { value } });
}
const button = (name: string) => screen.getByRole('button', { name }) as HTMLButtonElement;

describe('Onboarding', () => {
  it('shows the three steps and starts with the admin account', () => {
    installIpc({ check_password: policy });
    render(Onboarding, { oncomplete: vi.fn() });
    expect(document.querySelector('[data-screen="onboarding"]')).toBeTruthy();
    const steps = screen.getByRole('list', { name: 'Setup steps' });
    expect(steps.textContent).toMatch(/Admin account.*Authenticator.*Recovery key/);
    expect(steps.querySelector('[aria-current="step"]')!.textContent).toContain('Admin account');
  });

  it('blocks a weak password and lists the problems', async () => {
    const calls = installIpc({ check_password: policy });
    render(Onboarding, { oncomplete: vi.fn() });
    await type('Administrator name', 'anna');
    await type('Password', 'short');
    await type('Confirm password', 'short');
    expect(await screen.findByText('Use at least 12 characters.')).toBeTruthy();
    expect(screen.getByRole('meter', { name: 'Password strength' }).getAttribute('aria-valuenow')).toBe('1');
    expect(button('Create vault').disabled).toBe(true);
    expect(named(calls, 'check_password').at(-1)!.args).toEqual({ user: 'anna', password: 'short' });
    // Pressing Enter does not create anything either.
    await fireEvent.submit(button('Create vault').form!);
    expect(named(calls, 'create_vault')).toHaveLength(0);
  });

  it('needs a matching confirmation', async () => {
    installIpc({ check_password: policy });
    render(Onboarding, { oncomplete: vi.fn() });
    await type('Administrator name', 'anna');
    await type('Password', STRONG);
    await type('Confirm password', STRONG + 'x');
    await screen.findByText(/meets the policy/);
    expect(screen.getByText('The passwords do not match.')).toBeTruthy();
    expect(button('Create vault').disabled).toBe(true);
    await type('Confirm password', STRONG);
    await waitFor(() => expect(button('Create vault').disabled).toBe(false));
  });

  it('creates the vault, confirms the authenticator and shows the recovery key once', async () => {
    const calls = installIpc({
      check_password: policy,
      create_vault: () => created,
      confirm_totp: () => created.session,
      report_activity: () => null,
    });
    const oncomplete = vi.fn();
    render(Onboarding, { oncomplete });
    await type('Administrator name', ' anna ');
    await type('Password', STRONG);
    await type('Confirm password', STRONG);
    await waitFor(() => expect(button('Create vault').disabled).toBe(false));
    await fireEvent.click(button('Create vault'));

    // Step 2: QR, manual key, code.
    await screen.findByRole('button', { name: 'Confirm code' });
    expect(named(calls, 'create_vault')[0].args).toEqual({ admin: 'anna', password: STRONG });
    expect(document.querySelector('[data-testid="qr"]')).toBeTruthy();
    expect(screen.getByText('JBSW Y3DP EHPK 3PXP')).toBeTruthy();
    expect(button('Confirm code').disabled).toBe(true);
    await type('6-digit code', '123456');
    await fireEvent.click(button('Confirm code'));

    // Step 3: the recovery key and the explicit "stored" step.
    await screen.findByText('RK01-2345-6789-ABCD-EFGH');
    expect(named(calls, 'confirm_totp')[0].args).toEqual({ code: '123456' });
    expect(document.querySelector('[data-testid="qr"]')).toBeNull();
    expect(button('Continue').disabled).toBe(true);
    await fireEvent.click(screen.getByLabelText('I have stored the recovery key somewhere safe'));
    expect(button('Continue').disabled).toBe(false);
    await fireEvent.click(button('Continue'));
    expect(oncomplete).toHaveBeenCalledWith(created.session, 'anna');
    expect(screen.queryByText('RK01-2345-6789-ABCD-EFGH')).toBeNull();
  });

  it('shows a failed create inline', async () => {
    installIpc({
      check_password: policy,
      create_vault: () => {
        throw { code: 'conflict', message: 'A vault already exists here.' };
      },
    });
    render(Onboarding, { oncomplete: vi.fn() });
    await type('Administrator name', 'anna');
    await type('Password', STRONG);
    await type('Confirm password', STRONG);
    await waitFor(() => expect(button('Create vault').disabled).toBe(false));
    await fireEvent.click(button('Create vault'));
    expect(await screen.findByText('A vault already exists here.')).toBeTruthy();
  });
});
