import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import KeysView from './KeysView.svelte';
import { installIpc, named } from '../testing/ipcMock';

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('KeysView', () => {
  it("clears the recovery key's failed attempts", async () => {
    const calls = installIpc({ clear_recovery_lockout: () => null });
    render(KeysView, {});
    await fireEvent.click(screen.getByRole('button', { name: 'Clear failed attempts' }));
    await waitFor(() => expect(named(calls, 'clear_recovery_lockout')).toHaveLength(1));
    await screen.findByText("The recovery key's failed attempts are cleared.");
  });

  it('shows why clearing was refused', async () => {
    installIpc({
      clear_recovery_lockout: () => {
        throw { code: 'forbidden', message: 'A clinician may not do this.' };
      },
    });
    render(KeysView, {});
    await fireEvent.click(screen.getByRole('button', { name: 'Clear failed attempts' }));
    await screen.findByText('A clinician may not do this.');
  });
});
