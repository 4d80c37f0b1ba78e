import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import SetPinDialog from './SetPinDialog.svelte';
import { installIpc, named, sessionFixture, type Handlers } from '../testing/ipcMock';

afterEach(() => {
  cleanup();
  clearMocks();
});

const field = (id: string) => screen.getByTestId(id) as HTMLInputElement;

function open(handlers: Handlers = {}, over: { required?: boolean; has_pin?: boolean } = {}) {
  const calls = installIpc(handlers);
  const props = {
    session: sessionFixture({ has_pin: over.has_pin ?? false }),
    required: over.required ?? false,
    onset: vi.fn(),
    onclose: vi.fn(),
    onlock: vi.fn(),
  };
  render(SetPinDialog, props);
  return { calls, props };
}

async function enter(pin: string, confirm = pin) {
  await fireEvent.input(field('pin-new'), { target: { value: pin } });
  await fireEvent.input(field('pin-confirm'), { target: { value: confirm } });
  await fireEvent.click(screen.getByTestId('pin-save'));
}

function expectCleared() {
  expect(field('pin-new').value).toBe('');
  expect(field('pin-confirm').value).toBe('');
}

describe('SetPinDialog', () => {
  it('is a labelled modal dialog with hidden, numeric, unremembered fields and the rules', async () => {
    open();
    const dialog = screen.getByRole('dialog', { name: 'Set a PIN' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    for (const id of ['pin-new', 'pin-confirm']) {
      expect(field(id).type).toBe('password');
      expect(field(id).getAttribute('inputmode')).toBe('numeric');
      expect(field(id).getAttribute('autocomplete')).toBe('off');
    }
    expect(dialog.textContent).toMatch(/6 to 12 digits/);
    expect(dialog.textContent).toMatch(/not a run up or down/);
    await waitFor(() => expect(document.activeElement).toBe(field('pin-new')));
  });

  it('refuses a run before sending anything, and clears both fields', async () => {
    const { calls } = open();
    await enter('123456');
    expect(screen.getByText('That PIN is a run up (like 123456), which is guessed first. Choose another.').id).toBe(
      'pin-new-error',
    );
    expect(named(calls, 'set_pin')).toHaveLength(0);
    expectCleared();
  });

  it('refuses two PINs that differ', async () => {
    const { calls } = open();
    await enter('480137', '480138');
    expect(screen.getByText('The two PINs are not the same.')).toBeTruthy();
    expect(named(calls, 'set_pin')).toHaveLength(0);
    expectCleared();
  });

  it('sends the PIN once, clears the fields and says until when it works', async () => {
    const { calls, props } = open({ set_pin: () => sessionFixture({ has_pin: true }) });
    await enter('480137');
    const note = await screen.findByTestId('pin-set-note');
    expect(note.textContent!.replace(/\s+/g, ' ').trim()).toBe(
      'Your PIN is set. After the next lock you can come back with it, until 12 hours after your password unlock.',
    );
    expect(named(calls, 'set_pin')).toEqual([{ cmd: 'set_pin', args: { pin: '480137' } }]);
    expect(props.onset).toHaveBeenCalledWith(expect.objectContaining({ has_pin: true }));
    expect(screen.queryByTestId('pin-new')).toBeNull();
    expect(document.body.innerHTML).not.toContain('480137');
    await fireEvent.click(screen.getByTestId('pin-done'));
    expect(props.onclose).toHaveBeenCalled();
  });

  it("shows the core's refusal under the field and clears it", async () => {
    const { props } = open({
      set_pin: () => {
        throw { code: 'invalid_input', message: 'That PIN is too easy to guess.', field: 'pin' };
      },
    });
    await enter('480137');
    expect(await screen.findByText('That PIN is too easy to guess.')).toBeTruthy();
    expectCleared();
    expect(field('pin-new').getAttribute('aria-invalid')).toBe('true');
    expect(props.onset).not.toHaveBeenCalled();
  });

  it('says when this PC cannot keep a PIN', async () => {
    open({
      set_pin: () => {
        throw { code: 'quick_unlock_unavailable', message: 'This PC cannot lock memory, so a PIN cannot be kept.' };
      },
    });
    await enter('480137');
    expect((await screen.findByRole('alert')).textContent).toBe('This PC cannot lock memory, so a PIN cannot be kept.');
    expectCleared();
  });

  it('has Cancel and closes with Escape when optional', async () => {
    const { props } = open({}, { has_pin: true });
    expect(screen.getByRole('dialog', { name: 'Change your PIN' })).toBeTruthy();
    await fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
    expect(props.onclose).toHaveBeenCalledTimes(1);
    await fireEvent.click(screen.getByTestId('pin-cancel'));
    expect(props.onclose).toHaveBeenCalledTimes(2);
  });

  it('cannot be dismissed when the clinic requires a PIN: Lock is the way out', async () => {
    const { props } = open({}, { required: true });
    expect(screen.queryByTestId('pin-cancel')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
    await fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
    expect(props.onclose).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId('pin-lock'));
    expect(props.onlock).toHaveBeenCalledTimes(1);
  });

  it('keeps Tab inside the dialog', async () => {
    open();
    const save = screen.getByTestId('pin-save');
    save.focus();
    await fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Tab' });
    expect(document.activeElement).toBe(field('pin-new'));
    await fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(save);
  });
});
