import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import type { Patient, Role, SessionInfo } from '../lib/ipc';
import PatientsView from './PatientsView.svelte';
import { patient } from './fixtures';
import { sessionFixture } from '../testing/ipcMock';

afterEach(() => {
  cleanup();
  clearMocks();
});

function session(role: Role): SessionInfo {
  return sessionFixture({ user: 'u', role, enabled_admins: null });
}

/** A tiny in-memory shell. */
function shell() {
  const patients = new Map<string, Patient>([['p-1', patient()]]);
  const cmds: string[] = [];
  mockIPC((cmd, raw) => {
    cmds.push(cmd);
    const a = (raw ?? {}) as Record<string, never>;
    switch (cmd) {
      case 'search_patients':
        return [...patients.values()]
          .filter((p) => p.family.toLowerCase().startsWith(String(a.query).toLowerCase()))
          .map((p) => ({ matched: 'family', patient: p }));
      case 'show_patient': {
        const p = patients.get(a.id);
        if (!p) throw { code: 'not_found', message: 'gone' };
        return p;
      }
      case 'add_patient': {
        const np = a.patient as Patient;
        const p = patient({ ...np, id: 'p-2', mrn: 'CLIN-000124' });
        patients.set('p-2', p);
        return { id: 'p-2', mrn: 'CLIN-000124' };
      }
      case 'update_patient': {
        const p = { ...patients.get(a.id)!, ...(a.update as object) };
        patients.set(a.id, p);
        return p;
      }
      default:
        throw { code: 'internal', message: `unexpected ${cmd}` };
    }
  });
  return cmds;
}

describe('PatientsView', () => {
  it('searches, opens a patient, edits and comes back to the same search', async () => {
    shell();
    render(PatientsView, { session: session('receptionist') });
    await fireEvent.input(screen.getByLabelText('Search patients'), { target: { value: 'do' } });
    await fireEvent.click(await screen.findByRole('button', { name: /Doe, Jane/ }));
    await screen.findByRole('heading', { level: 1, name: /Doe/ });
    await fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    const family = screen.getByLabelText('Family name') as HTMLInputElement;
    await fireEvent.input(family, { target: { value: 'Dobbs' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save patient' }));
    await screen.findByText('Changes saved.');
    await waitFor(() => expect(screen.getByRole('heading', { level: 1 }).textContent).toContain('Dobbs'));
    await fireEvent.click(screen.getByRole('button', { name: /Back to list/ }));
    expect((screen.getByLabelText('Search patients') as HTMLInputElement).value).toBe('do');
    await screen.findByRole('button', { name: /Dobbs, Jane/ });
  });

  it('adds a patient and shows them', async () => {
    shell();
    render(PatientsView, { session: session('clinician') });
    await fireEvent.click(screen.getByRole('button', { name: 'Add patient' }));
    expect(document.querySelector('[data-screen="patient-form"]')).not.toBeNull();
    await fireEvent.input(screen.getByLabelText('Given name'), { target: { value: 'Ann' } });
    await fireEvent.input(screen.getByLabelText('Family name'), { target: { value: 'Lee' } });
    await fireEvent.input(screen.getByLabelText('Date of birth'), { target: { value: '1990-01-01' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save patient' }));
    await screen.findByText('Patient added.');
    expect(document.querySelector('[data-screen="patient-detail"]')).not.toBeNull();
    expect(screen.getByRole('heading', { level: 1 }).textContent).toContain('Lee');
  });

  it('gives an admin no way to add or edit', async () => {
    shell();
    render(PatientsView, { session: session('admin') });
    expect(screen.queryByRole('button', { name: 'Add patient' })).toBeNull();
    await fireEvent.input(screen.getByLabelText('Search patients'), { target: { value: 'do' } });
    await fireEvent.click(await screen.findByRole('button', { name: /Doe, Jane/ }));
    await screen.findByRole('heading', { level: 1, name: /Doe/ });
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
  });
});
