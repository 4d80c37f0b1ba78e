import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import PatientForm from './PatientForm.svelte';
import { patient } from './fixtures';

afterEach(() => {
  cleanup();
  clearMocks();
});

type Call = { cmd: string; args: Record<string, unknown> };

function ipc(handler: (cmd: string, args: Record<string, unknown>) => unknown) {
  const calls: Call[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
    return handler(cmd, (args ?? {}) as Record<string, unknown>);
  });
  return calls;
}

async function type(label: string, value: string) {
  const el = screen.getByLabelText(label) as HTMLInputElement;
  await fireEvent.input(el, { target: { value } });
  return el;
}

async function fillValid() {
  await type('Given name', 'Jane');
  await type('Family name', 'Doe');
  await type('Date of birth', '1980-03-12');
}

describe('PatientForm (add)', () => {
  it('has the stable labels and buttons', () => {
    render(PatientForm, { onSaved: vi.fn(), onCancel: vi.fn() });
    for (const l of ['Given name', 'Family name', 'Date of birth', 'Sex', 'Phone', 'E-mail', 'Address']) {
      expect(screen.getByLabelText(l)).toBeTruthy();
    }
    expect(screen.getByRole('button', { name: 'Save patient' })).toBeTruthy();
    expect(document.querySelector('[data-screen="patient-form"]')).not.toBeNull();
  });

  it('validates a field on blur', async () => {
    render(PatientForm, { onSaved: vi.fn(), onCancel: vi.fn() });
    expect(screen.queryByText('Given name is required')).toBeNull();
    await fireEvent.blur(screen.getByLabelText('Given name'));
    expect(screen.getByText('Given name is required')).toBeTruthy();
    expect(screen.getByLabelText('Given name').getAttribute('aria-invalid')).toBe('true');
    const phone = await type('Phone', '07700 900123');
    await fireEvent.blur(phone);
    expect(screen.getByText(/international format: \+, country code/)).toBeTruthy();
    await type('Phone', '+44 7700 900123');
    expect(screen.queryByText(/international format: \+, country code/)).toBeNull();
  });

  it('validates everything on submit and calls nothing while invalid', async () => {
    const calls = ipc(() => ({ id: 'x', mrn: 'y' }));
    render(PatientForm, { onSaved: vi.fn(), onCancel: vi.fn() });
    await type('E-mail', 'not-an-address');
    await fireEvent.click(screen.getByRole('button', { name: 'Save patient' }));
    expect(screen.getByText('Given name is required')).toBeTruthy();
    expect(screen.getByText('Family name is required')).toBeTruthy();
    expect(screen.getByText('Date of birth is required')).toBeTruthy();
    expect(screen.getByText(/name@example.org/)).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText('Given name'));
    expect(calls).toEqual([]);
  });

  it('rejects a date of birth in the future', async () => {
    render(PatientForm, { onSaved: vi.fn(), onCancel: vi.fn() });
    const dob = await type('Date of birth', '2999-01-01');
    await fireEvent.blur(dob);
    expect(screen.getByText('Date of birth cannot be in the future')).toBeTruthy();
  });

  it('adds a patient and reports the new id', async () => {
    const calls = ipc((cmd) => (cmd === 'add_patient' ? { id: 'new-id', mrn: 'CLIN-000001' } : null));
    const onSaved = vi.fn();
    render(PatientForm, { onSaved, onCancel: vi.fn() });
    await fillValid();
    await type('Phone', '+44 7700 900123');
    await fireEvent.change(screen.getByLabelText('Sex'), { target: { value: 'female' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save patient' }));
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith('new-id', true));
    expect(calls).toEqual([
      {
        cmd: 'add_patient',
        args: {
          patient: {
            given: 'Jane',
            family: 'Doe',
            dob: '1980-03-12',
            sex: 'female',
            phone: '+447700900123',
            email: null,
            address: null,
          },
          force: false,
        },
      },
    ]);
  });

  it('shows server validation errors in a banner at the top', async () => {
    ipc(() => {
      throw { code: 'invalid_input', message: "phone '+4477' is not an international number" };
    });
    const onSaved = vi.fn();
    render(PatientForm, { onSaved, onCancel: vi.fn() });
    await fillValid();
    await fireEvent.click(screen.getByRole('button', { name: 'Save patient' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain("Phone '+4477' is not an international number");
    expect(onSaved).not.toHaveBeenCalled();
  });

  it('says calmly when the role may not add patients', async () => {
    ipc(() => {
      throw { code: 'forbidden', message: 'denied' };
    });
    render(PatientForm, { onSaved: vi.fn(), onCancel: vi.fn() });
    await fillValid();
    await fireEvent.click(screen.getByRole('button', { name: 'Save patient' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Your role cannot add patients.');
  });

  it('warns of a likely duplicate and adds anyway with force', async () => {
    const calls = ipc((cmd, args) => {
      if (cmd === 'add_patient' && args.force === false) {
        throw { code: 'conflict', message: 'a patient Doe, Jane born 1980-03-12 exists (CLIN-000123)' };
      }
      return { id: 'forced-id', mrn: 'CLIN-000124' };
    });
    const onSaved = vi.fn();
    render(PatientForm, { onSaved, onCancel: vi.fn() });
    await fillValid();
    await fireEvent.click(screen.getByRole('button', { name: 'Save patient' }));
    const warn = await screen.findByRole('alert');
    expect(warn.textContent).toContain('A patient Doe, Jane born 1980-03-12 exists (CLIN-000123)');
    expect(onSaved).not.toHaveBeenCalled();
    // The form's own save is out of the way while the warning is open.
    expect(screen.queryByRole('button', { name: 'Save patient' })).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Add anyway' }));
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith('forced-id', true));
    expect(calls.map((c) => [c.cmd, c.args.force])).toEqual([
      ['add_patient', false],
      ['add_patient', true],
    ]);
    expect(calls[1].args.patient).toEqual(calls[0].args.patient);
  });

  it('cancelling the duplicate warning goes back to the form without adding', async () => {
    const calls = ipc(() => {
      throw { code: 'conflict', message: 'possible duplicate' };
    });
    const onSaved = vi.fn();
    render(PatientForm, { onSaved, onCancel: vi.fn() });
    await fillValid();
    await fireEvent.click(screen.getByRole('button', { name: 'Save patient' }));
    await screen.findByRole('button', { name: 'Add anyway' });
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('button', { name: 'Add anyway' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Save patient' })).toBeTruthy();
    expect(calls).toHaveLength(1);
    expect(onSaved).not.toHaveBeenCalled();
  });
});

describe('PatientForm (edit)', () => {
  it('sends only the changed fields, "" for a cleared one', async () => {
    const p = patient();
    const calls = ipc((cmd) => (cmd === 'update_patient' ? { ...p, family: 'Smith', email: null } : null));
    const onSaved = vi.fn();
    render(PatientForm, { patient: p, onSaved, onCancel: vi.fn() });
    expect((screen.getByLabelText('Given name') as HTMLInputElement).value).toBe('Jane');
    await type('Family name', 'Smith');
    await type('E-mail', '');
    await type('Phone', '+44 7700 900123'); // same number, other spacing: no change
    await fireEvent.click(screen.getByRole('button', { name: 'Save patient' }));
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith('p-1', true));
    expect(calls).toEqual([{ cmd: 'update_patient', args: { id: 'p-1', update: { family: 'Smith', email: '' } } }]);
  });

  it('does not call the shell when nothing changed', async () => {
    const calls = ipc(() => null);
    const onSaved = vi.fn();
    render(PatientForm, { patient: patient(), onSaved, onCancel: vi.fn() });
    await fireEvent.click(screen.getByRole('button', { name: 'Save patient' }));
    expect(onSaved).toHaveBeenCalledWith('p-1', false);
    expect(calls).toEqual([]);
  });

  it('reports a patient that no longer exists', async () => {
    ipc(() => {
      throw { code: 'not_found', message: 'no patient p-1' };
    });
    render(PatientForm, { patient: patient(), onSaved: vi.fn(), onCancel: vi.fn() });
    await type('Given name', 'Janet');
    await fireEvent.click(screen.getByRole('button', { name: 'Save patient' }));
    expect((await screen.findByRole('alert')).textContent).toContain('This patient no longer exists.');
  });
});
