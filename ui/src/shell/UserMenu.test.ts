import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import TopBar from './TopBar.svelte';
import { installIpc, sessionFixture } from '../testing/ipcMock';
import type { SessionInfo } from '../lib/ipc';

afterEach(() => {
  cleanup();
  clearMocks();
});

function renderBar(session: SessionInfo = sessionFixture()) {
  installIpc({});
  const props = {
    session,
    onlock: vi.fn(),
    onsetpin: vi.fn(),
    onswitchuser: vi.fn(),
    onlockrequirepassword: vi.fn(),
  };
  render(TopBar, props);
  return props;
}

const menuButton = () => screen.getByTestId('user-menu');
const item = (id: string) => screen.queryByTestId(id) as HTMLButtonElement | null;

describe('the user menu', () => {
  it('is a menu button that opens on click with the first item focused', async () => {
    renderBar();
    expect(menuButton().getAttribute('aria-haspopup')).toBe('menu');
    expect(menuButton().getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByRole('menu')).toBeNull();
    await fireEvent.click(menuButton());
    expect(menuButton().getAttribute('aria-expanded')).toBe('true');
    expect(screen.getAllByRole('menuitem').map((m) => m.dataset.testid)).toEqual([
      'menu-set-pin',
      'menu-switch-user',
      'menu-lock-require-password',
    ]);
    await waitFor(() => expect(document.activeElement).toBe(item('menu-set-pin')));
    expect(item('menu-set-pin')!.textContent!.trim()).toBe('Set a PIN…');
  });

  it('moves with the arrow keys and closes with Escape, focus back on the button', async () => {
    renderBar();
    await fireEvent.keyDown(menuButton(), { key: 'ArrowDown' });
    await waitFor(() => expect(document.activeElement).toBe(item('menu-set-pin')));
    const menu = screen.getByRole('menu');
    await fireEvent.keyDown(menu, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(item('menu-switch-user'));
    await fireEvent.keyDown(menu, { key: 'ArrowDown' });
    await fireEvent.keyDown(menu, { key: 'ArrowDown' });
    // Wraps round to the first.
    expect(document.activeElement).toBe(item('menu-set-pin'));
    await fireEvent.keyDown(menu, { key: 'ArrowUp' });
    expect(document.activeElement).toBe(item('menu-lock-require-password'));
    await fireEvent.keyDown(menu, { key: 'Escape' });
    expect(screen.queryByRole('menu')).toBeNull();
    expect(document.activeElement).toBe(menuButton());
    expect(menuButton().getAttribute('aria-expanded')).toBe('false');
  });

  it('opens at the last item with ArrowUp', async () => {
    renderBar();
    await fireEvent.keyDown(menuButton(), { key: 'ArrowUp' });
    await waitFor(() => expect(document.activeElement).toBe(item('menu-lock-require-password')));
  });

  it('calls what each item says and closes', async () => {
    const props = renderBar();
    await fireEvent.click(menuButton());
    await fireEvent.click(item('menu-switch-user')!);
    expect(props.onswitchuser).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('menu')).toBeNull();
    await fireEvent.click(menuButton());
    await fireEvent.click(item('menu-lock-require-password')!);
    expect(props.onlockrequirepassword).toHaveBeenCalledTimes(1);
    await fireEvent.click(menuButton());
    await fireEvent.click(item('menu-set-pin')!);
    expect(props.onsetpin).toHaveBeenCalledTimes(1);
    expect(props.onlock).not.toHaveBeenCalled();
  });

  it('says "Change PIN…" once a PIN is set, and hides it when quick unlock is off', async () => {
    renderBar(sessionFixture({ has_pin: true }));
    await fireEvent.click(menuButton());
    expect(item('menu-set-pin')!.textContent!.trim()).toBe('Change PIN…');
    cleanup();
    renderBar(sessionFixture({ quick_unlock: { allowed: false, pin_required: false, window_secs: 43200 } }));
    await fireEvent.click(menuButton());
    expect(item('menu-set-pin')).toBeNull();
    expect(item('menu-switch-user')).toBeTruthy();
  });

  it('closes on a click elsewhere', async () => {
    renderBar();
    await fireEvent.click(menuButton());
    expect(screen.getByRole('menu')).toBeTruthy();
    await fireEvent.pointerDown(document.body);
    expect(screen.queryByRole('menu')).toBeNull();
  });

  it('keeps the Lock button beside it', async () => {
    const props = renderBar();
    await fireEvent.click(screen.getByRole('button', { name: 'Lock' }));
    expect(props.onlock).toHaveBeenCalledTimes(1);
  });

  it('shows a PIN badge that explains itself only in a session opened with a PIN', () => {
    renderBar();
    expect(screen.queryByTestId('pin-session-badge')).toBeNull();
    cleanup();
    renderBar(sessionFixture({ pin_session: true }));
    const badge = screen.getByTestId('pin-session-badge');
    expect(badge.textContent).toContain('PIN');
    expect(badge.getAttribute('title')).toMatch(/full unlock with your password and code/);
  });
});
