import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import SettingsView from './SettingsView.svelte';
import AuditView from './AuditView.svelte';
import KeysView from './KeysView.svelte';
import { installIpc, named } from '../testing/ipcMock';

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('SettingsView', () => {
  it('saves minutes and hours as seconds and confirms', async () => {
    const calls = installIpc({
      get_settings: () => ({ idle_lock_secs: 300, session_limit_secs: 43200 }),
      set_settings: (a) => a.settings,
    });
    const onsessionchange = vi.fn();
    render(SettingsView, { onsessionchange });
    const idle = (await screen.findByLabelText('Idle lock (minutes)')) as HTMLInputElement;
    expect(idle.value).toBe('5');
    await fireEvent.input(idle, { target: { value: '10' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await screen.findByText(/Settings saved/);
    expect(named(calls, 'set_settings')[0].args).toEqual({ settings: { idle_lock_secs: 600, session_limit_secs: 43200 } });
    expect(onsessionchange).toHaveBeenCalled();
  });

  it('refuses values out of range inline', async () => {
    const calls = installIpc({ get_settings: () => ({ idle_lock_secs: 300, session_limit_secs: 43200 }) });
    render(SettingsView, { onsessionchange: vi.fn() });
    await fireEvent.input(await screen.findByLabelText('Session limit (hours)'), { target: { value: '30' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(screen.getByText('Enter a whole number of hours from 1 to 24.')).toBeTruthy();
    expect(named(calls, 'set_settings')).toHaveLength(0);
  });
});

describe('SettingsView › Quick unlock', () => {
  const settings = { idle_lock_secs: 300, session_limit_secs: 43200 };

  it('loads, saves the window as seconds and says everyone uses their password next', async () => {
    const calls = installIpc({
      get_settings: () => settings,
      get_quick_unlock_settings: () => ({ allowed: true, pin_required: false, window_secs: 43200 }),
      set_quick_unlock_settings: (a) => a.settings,
    });
    const onsessionchange = vi.fn();
    render(SettingsView, { onsessionchange });
    const hours = (await screen.findByLabelText('Hours')) as HTMLInputElement;
    expect(hours.value).toBe('12');
    expect((screen.getByLabelText('Minutes') as HTMLInputElement).value).toBe('0');
    expect((screen.getByLabelText('Allow quick unlock with a PIN') as HTMLInputElement).checked).toBe(true);
    expect(screen.getByText(/Saving a change makes everyone on this PC use their password/)).toBeTruthy();
    await fireEvent.input(hours, { target: { value: '1' } });
    await fireEvent.input(screen.getByLabelText('Minutes'), { target: { value: '30' } });
    await fireEvent.click(screen.getByLabelText('Require everyone to set a PIN'));
    await fireEvent.click(screen.getByRole('button', { name: 'Save quick unlock' }));
    const ok = await screen.findByText(/Quick unlock saved/);
    expect(ok.textContent).toMatch(/90 minutes after a password unlock, and everyone must set one/);
    expect(ok.textContent).toMatch(/Everyone on this PC uses their password at their next unlock/);
    expect(named(calls, 'set_quick_unlock_settings')[0].args).toEqual({
      settings: { allowed: true, pin_required: true, window_secs: 5400 },
    });
    expect(named(calls, 'set_settings')).toHaveLength(0);
    expect(onsessionchange).toHaveBeenCalled();
  });

  it('turns it off: "PIN required" is disabled and sent as false', async () => {
    const calls = installIpc({
      get_settings: () => settings,
      get_quick_unlock_settings: () => ({ allowed: true, pin_required: true, window_secs: 900 }),
      set_quick_unlock_settings: (a) => a.settings,
    });
    render(SettingsView, { onsessionchange: vi.fn() });
    const allow = (await screen.findByLabelText('Allow quick unlock with a PIN')) as HTMLInputElement;
    const requirePin = screen.getByLabelText('Require everyone to set a PIN') as HTMLInputElement;
    expect(requirePin.disabled).toBe(false);
    await fireEvent.click(allow);
    expect(requirePin.disabled).toBe(true);
    await fireEvent.click(screen.getByRole('button', { name: 'Save quick unlock' }));
    await screen.findByText(/Quick unlock is off/);
    expect(named(calls, 'set_quick_unlock_settings')[0].args).toEqual({
      settings: { allowed: false, pin_required: false, window_secs: 900 },
    });
  });

  it('refuses a window out of range inline, and shows the core refusing it too', async () => {
    const calls = installIpc({
      get_settings: () => settings,
      get_quick_unlock_settings: () => ({ allowed: true, pin_required: false, window_secs: 43200 }),
      set_quick_unlock_settings: () => {
        throw { code: 'invalid_input', message: 'The window is 15 minutes to 24 hours.', field: 'window_secs' };
      },
    });
    render(SettingsView, { onsessionchange: vi.fn() });
    await fireEvent.input(await screen.findByLabelText('Hours'), { target: { value: '0' } });
    await fireEvent.input(screen.getByLabelText('Minutes'), { target: { value: '10' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save quick unlock' }));
    expect(screen.getByText('Choose a time from 15 minutes to 24 hours.')).toBeTruthy();
    expect(screen.getByLabelText('Hours').getAttribute('aria-invalid')).toBe('true');
    expect(named(calls, 'set_quick_unlock_settings')).toHaveLength(0);
    await fireEvent.input(screen.getByLabelText('Minutes'), { target: { value: '20' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save quick unlock' }));
    expect(await screen.findByText('The window is 15 minutes to 24 hours.')).toBeTruthy();
    expect(named(calls, 'set_quick_unlock_settings')[0].args).toEqual({
      settings: { allowed: true, pin_required: false, window_secs: 1200 },
    });
  });

  it('words a PIN session that cannot change it', async () => {
    installIpc({
      get_settings: () => settings,
      get_quick_unlock_settings: () => ({ allowed: true, pin_required: false, window_secs: 43200 }),
      set_quick_unlock_settings: () => {
        throw { code: 'full_unlock_required', message: 'needs the private key' };
      },
    });
    render(SettingsView, { onsessionchange: vi.fn() });
    await fireEvent.click(await screen.findByRole('button', { name: 'Save quick unlock' }));
    expect(
      await screen.findByText('This needs a full unlock with your password and code: lock and unlock again with them.'),
    ).toBeTruthy();
  });
});

describe('AuditView', () => {
  it('loads events and filters by user and time', async () => {
    const calls = installIpc({ audit_list: () => [] });
    render(AuditView);
    await screen.findByText('No events match');
    await fireEvent.input(screen.getByLabelText('User'), { target: { value: 'rita' } });
    await fireEvent.input(screen.getByLabelText('From'), { target: { value: '2025-05-01T08:00' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(named(calls, 'audit_list')).toHaveLength(2));
    const q = named(calls, 'audit_list')[1].args.query as Record<string, unknown>;
    expect(q.actor).toBe('rita');
    expect(q.since_us).toBe(new Date(2025, 4, 1, 8, 0).getTime() * 1000);
  });

  it('reports an intact chain', async () => {
    installIpc({ audit_list: () => [], verify_vault: () => ({ pages: 812, audit: { n_events: 4812, n_v1_events: 0, n_v2_events: 4812, n_redacted: 0, head: '4812:9f2c41d0a7be33e1' } }) });
    render(AuditView);
    await fireEvent.click(screen.getByRole('button', { name: 'Verify vault' }));
    const ok = await screen.findByText(/Chain intact/);
    expect(ok.textContent!.replace(/\s+/g, ' ')).toBe('Chain intact: 4812 events, head 4812:9f2c41d0a7be…; 812 pages authenticated.');
  });

  it('shows a corrupt vault in red', async () => {
    installIpc({
      audit_list: () => [],
      verify_vault: () => {
        throw { code: 'corrupt', message: 'Audit event 17 does not match its hash.' };
      },
    });
    render(AuditView);
    await fireEvent.click(screen.getByRole('button', { name: 'Verify vault' }));
    await screen.findByText('Audit event 17 does not match its hash.');
    const banner = document.querySelector('[data-verify="corrupt"]')!;
    expect(banner.classList.contains('error')).toBe(true);
  });
});

describe('KeysView', () => {
  it('rotates the recovery key after a confirmation and shows it until stored', async () => {
    const calls = installIpc({ rotate_recovery_key: () => 'NEW1-KEY2-AAAA-BBBB' });
    render(KeysView);
    await fireEvent.click(screen.getByRole('button', { name: 'Rotate recovery key' }));
    expect(named(calls, 'rotate_recovery_key')).toHaveLength(0);
    await fireEvent.click(screen.getByRole('button', { name: 'Yes, rotate' }));
    await screen.findByText('NEW1-KEY2-AAAA-BBBB');
    const done = screen.getByRole('button', { name: 'Done' }) as HTMLButtonElement;
    expect(done.disabled).toBe(true);
    await fireEvent.click(screen.getByLabelText('I have stored the recovery key somewhere safe'));
    await fireEvent.click(done);
    expect(screen.queryByText('NEW1-KEY2-AAAA-BBBB')).toBeNull();
    expect(screen.getByText('The new recovery key is in place.')).toBeTruthy();
  });

  it('shows a busy state while the data key rotates', async () => {
    let finish: () => void = () => {};
    installIpc({ rotate_data_key: () => new Promise<void>((r) => (finish = r)) });
    render(KeysView);
    await fireEvent.click(screen.getByRole('button', { name: 'Rotate data key' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Yes, rotate' }));
    await screen.findByText(/Re-encrypting the vault/);
    const btn = screen.getByRole('button', { name: 'Rotate data key' }) as HTMLButtonElement;
    expect(btn.disabled).toBe(true);
    expect(btn.getAttribute('aria-busy')).toBe('true');
    finish();
    await screen.findByText(/The data key was rotated/);
  });
});
