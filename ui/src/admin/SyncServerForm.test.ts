import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import SyncServerForm from './SyncServerForm.svelte';
import { installIpc, named, syncStatusFixture, type Handlers } from '../testing/ipcMock';

afterEach(() => {
  cleanup();
  clearMocks();
});

function start(enrolled: boolean, extra: Handlers = {}, offeredServer: string | null = null) {
  const calls = installIpc({
    sync_status: () => syncStatusFixture(enrolled ? {} : { state: 'not_enrolled' }),
    enroll_device: () => syncStatusFixture(),
    forget_server: () => syncStatusFixture({ state: 'not_enrolled' }),
    ...extra,
  });
  render(SyncServerForm, { offeredServer });
  return calls;
}

describe('Settings › Sync server', () => {
  it('enrolls with a pasted code, trimmed of spaces and line breaks', async () => {
    const calls = start(false);
    const field = await screen.findByLabelText('Enrollment code');
    await fireEvent.input(field, { target: { value: '  cvenroll1:AbC\nDeF  \n' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Enroll' }));
    await screen.findByText('Connected to https://sync.clinic.example as Reception PC.');
    expect(named(calls, 'enroll_device').map((c) => c.args)).toEqual([{ req: { code: 'cvenroll1:AbCDeF' } }]);
    expect(screen.getByTestId('sync-enrolled')).toBeTruthy();
  });

  it('refuses a code that is not an enrollment code, without calling the app', async () => {
    const calls = start(false);
    await fireEvent.input(await screen.findByLabelText('Enrollment code'), { target: { value: 'hello' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Enroll' }));
    expect(screen.getByText('An enrollment code starts with cvenroll1:')).toBeTruthy();
    expect(named(calls, 'enroll_device')).toHaveLength(0);
  });

  it('enrolls with an address and a token', async () => {
    const calls = start(false);
    await screen.findByLabelText('Enrollment code');
    await fireEvent.click(screen.getByText('Enter the server address and token instead'));
    await fireEvent.input(screen.getByLabelText('Server address'), { target: { value: ' https://sync.clinic.example ' } });
    await fireEvent.input(screen.getByLabelText('Token'), { target: { value: 'tok-123\n' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Enroll with address and token' }));
    await waitFor(() => expect(named(calls, 'enroll_device')).toHaveLength(1));
    expect(named(calls, 'enroll_device')[0].args).toEqual({ req: { url: 'https://sync.clinic.example', token: 'tok-123' } });
  });

  it('connects to the server the run script offered', async () => {
    const calls = start(false, {}, 'http://127.0.0.1:8787');
    const offered = await screen.findByTestId('sync-offered');
    expect(offered.textContent).toContain('A sync server is running on this computer at http://127.0.0.1:8787.');
    await fireEvent.click(screen.getByTestId('sync-connect-offered'));
    await waitFor(() => expect(named(calls, 'enroll_device')).toHaveLength(1));
    expect(named(calls, 'enroll_device')[0].args).toEqual({ req: { offered: true } });
  });

  it('shows a refused enrollment in plain words', async () => {
    start(false, {
      enroll_device: () => {
        throw { code: 'invalid_input', message: 'The enrollment code has expired. Ask for a new one.' };
      },
    });
    await fireEvent.input(await screen.findByLabelText('Enrollment code'), { target: { value: 'cvenroll1:old' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Enroll' }));
    expect((await screen.findByRole('alert')).textContent).toBe('The enrollment code has expired. Ask for a new one.');
    expect(screen.queryByTestId('sync-enrolled')).toBeNull();
  });

  it('shows what it is enrolled with, and re-enrolls with a new code', async () => {
    const calls = start(true);
    const facts = await screen.findByTestId('sync-enrolled');
    expect(facts.textContent).toContain('https://sync.clinic.example');
    expect(facts.textContent).toContain('Reception PC');
    expect(facts.textContent).toContain('dev-7f3a9c2e');
    expect(screen.queryByLabelText('Enrollment code')).toBeNull();
    await fireEvent.click(screen.getByTestId('sync-reenroll'));
    expect(screen.getByText(/replaces this workstation's registration/)).toBeTruthy();
    await fireEvent.input(screen.getByLabelText('Enrollment code'), { target: { value: 'cvenroll1:new' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Enroll' }));
    await waitFor(() => expect(named(calls, 'enroll_device')).toHaveLength(1));
    expect(named(calls, 'enroll_device')[0].args).toEqual({ req: { code: 'cvenroll1:new' } });
  });

  it('asks before forgetting the server, and forgets only after Yes', async () => {
    const calls = start(true);
    await fireEvent.click(await screen.findByTestId('sync-forget'));
    expect(named(calls, 'forget_server')).toHaveLength(0);
    expect(screen.getByRole('group', { name: 'Confirm forgetting the server' }).textContent).toMatch(
      /stops syncing with it\. What is queued stays in the\s+vault/,
    );
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(named(calls, 'forget_server')).toHaveLength(0);
    await fireEvent.click(screen.getByTestId('sync-forget'));
    await fireEvent.click(screen.getByTestId('sync-forget-confirm'));
    await screen.findByText(/no longer syncs/);
    expect(named(calls, 'forget_server')).toHaveLength(1);
    expect(screen.getByLabelText('Enrollment code')).toBeTruthy();
  });
});
