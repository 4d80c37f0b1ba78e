import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Role } from '../lib/ipc';
import PatientDetail from './PatientDetail.svelte';
import { consent, note, patient, rx } from './fixtures';

afterEach(() => {
  cleanup();
  clearMocks();
});

// jsdom has no layout: the scan viewer measures its stage with a ResizeObserver.
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
} as unknown as typeof ResizeObserver;

type Call = { cmd: string; args: Record<string, unknown> };

/** A fake shell with one patient; records every command. */
function shell(over: Record<string, (args: Record<string, unknown>) => unknown> = {}) {
  const calls: Call[] = [];
  let current = patient();
  const handlers: Record<string, (args: Record<string, unknown>) => unknown> = {
    show_patient: () => current,
    patient_history: () => [
      { changed_us: 1_700_000_200_000_000, changed_by: 'rita', field: 'phone', before: null, after: '+447700900123' },
    ],
    list_consents: () => [
      consent({ id: 'c1', purpose: 'treatment', status: 'granted', current: true }),
      consent({ id: 'c2', purpose: 'reminders', status: 'granted', current: false, decided_us: 1 }),
      consent({ id: 'c3', purpose: 'reminders', status: 'withdrawn', current: true, decided_us: 2 }),
    ],
    list_notes: () => [
      note({ id: 'n1', text: 'First visit.' }),
      note({ id: 'n2', text: 'Wrong patient.', created_us: 1_700_000_500_000_000, void: { voided_us: 1_700_000_600_000_000, voided_by: 'dr.kim', reason: 'entered in error' } }),
      note({ id: 'a1', addendum_to: 'n1', text: 'Results normal.', created_us: 1_700_000_300_000_000 }),
    ],
    list_prescriptions: () => [rx()],
    list_scans: () => [],
    archive_patient: () => {
      current = { ...current, archived: true };
      return null;
    },
    copy_text: () => null,
    ...over,
  };
  mockIPC((cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args: a });
    const h = handlers[cmd];
    if (!h) throw { code: 'internal', message: `unexpected ${cmd}` };
    return h(a);
  });
  return calls;
}

function renderDetail(role: Role) {
  const onEdit = vi.fn();
  const onBack = vi.fn();
  render(PatientDetail, { id: 'p-1', role, onEdit, onBack });
  return { onEdit, onBack };
}

async function openEveryTab() {
  const tabs = await screen.findAllByRole('tab');
  for (const t of tabs) {
    await fireEvent.click(t);
  }
  return tabs.map((t) => t.textContent?.trim());
}

describe('PatientDetail by role', () => {
  it('a receptionist never sees or loads notes and prescriptions', async () => {
    const calls = shell();
    renderDetail('receptionist');
    await screen.findByRole('heading', { level: 1 });
    expect(await openEveryTab()).toEqual(['Demographics', 'History', 'Consents', 'Scans']);
    await screen.findByText('Change history');
    await fireEvent.click(screen.getByRole('tab', { name: 'Consents' }));
    await screen.findByRole('heading', { name: 'Decision log' });
    const cmds = calls.map((c) => c.cmd);
    expect(cmds).not.toContain('list_notes');
    expect(cmds).not.toContain('list_prescriptions');
    expect(screen.queryByRole('button', { name: 'New note' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'New prescription' })).toBeNull();
    await fireEvent.click(screen.getByRole('tab', { name: 'Demographics' }));
    expect(screen.getByRole('button', { name: 'Edit' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Archive' })).toBeTruthy();
  });

  it('a clinician loads notes and prescriptions when their tabs are opened', async () => {
    const calls = shell();
    renderDetail('clinician');
    await screen.findByRole('heading', { level: 1 });
    expect(calls.map((c) => c.cmd)).toEqual(['show_patient']);
    expect(await openEveryTab()).toEqual(['Demographics', 'History', 'Consents', 'Notes', 'Prescriptions', 'Scans']);
    await waitFor(() => {
      const cmds = calls.map((c) => c.cmd);
      expect(cmds).toContain('list_notes');
      expect(cmds).toContain('list_prescriptions');
    });
    expect(calls.find((c) => c.cmd === 'list_notes')?.args).toEqual({ patientId: 'p-1' });
    expect(calls.find((c) => c.cmd === 'list_scans')?.args).toEqual({ patientId: 'p-1' });
    await fireEvent.click(screen.getByRole('tab', { name: 'Prescriptions' }));
    expect(screen.getByRole('button', { name: 'New prescription' })).toBeTruthy();
    await screen.findByText('Amoxicillin');
  });

  it('an admin reads demographics and consents only', async () => {
    const calls = shell();
    renderDetail('admin');
    await screen.findByRole('heading', { level: 1 });
    expect(await openEveryTab()).toEqual(['Demographics', 'Consents']);
    await screen.findByRole('heading', { name: 'Decision log' });
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Archive' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Withdraw' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Record consent' })).toBeNull();
    const cmds = calls.map((c) => c.cmd);
    expect(cmds).not.toContain('patient_history');
    expect(cmds).not.toContain('list_notes');
    expect(cmds).not.toContain('list_prescriptions');
  });
});

describe('PatientDetail', () => {
  it('shows the header and copies the MRN', async () => {
    const calls = shell();
    renderDetail('receptionist');
    const h1 = await screen.findByRole('heading', { level: 1 });
    expect(h1.textContent).toContain('Doe');
    expect(h1.textContent).toContain('Jane');
    expect(document.querySelector('[data-screen="patient-detail"]')).not.toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Copy MRN' }));
    await waitFor(() => expect(calls.find((c) => c.cmd === 'copy_text')?.args).toEqual({ text: 'CLIN-000123' }));
    await screen.findByText('Copied');
  });

  it('archives after an inline confirmation', async () => {
    const calls = shell();
    renderDetail('receptionist');
    await screen.findByRole('heading', { level: 1 });
    await fireEvent.click(screen.getByRole('button', { name: 'Archive' }));
    expect(calls.map((c) => c.cmd)).not.toContain('archive_patient');
    await fireEvent.click(screen.getByRole('button', { name: 'Archive patient' }));
    await screen.findByText(/Patient archived/);
    expect(calls.filter((c) => c.cmd === 'archive_patient')).toHaveLength(1);
    await waitFor(() => expect(document.querySelector('.summary .badge')?.textContent).toBe('Archived'));
    expect(screen.queryByRole('button', { name: 'Archive' })).toBeNull();
  });

  it('says so when the patient no longer exists', async () => {
    shell({
      show_patient: () => {
        throw { code: 'not_found', message: 'no such patient' };
      },
    });
    renderDetail('clinician');
    expect((await screen.findByRole('alert')).textContent).toContain('This patient no longer exists.');
    expect(screen.queryByRole('tab')).toBeNull();
  });

  it('nests addenda and strikes through voided notes', async () => {
    shell();
    renderDetail('clinician');
    await screen.findByRole('heading', { level: 1 });
    await fireEvent.click(screen.getByRole('tab', { name: 'Notes' }));
    await screen.findByText('First visit.');
    const articles = screen.getAllByRole('article');
    expect(articles).toHaveLength(2);
    expect(articles[0].textContent).toContain('Results normal.');
    expect(articles[1].querySelector('s')?.textContent).toBe('Wrong patient.');
    expect(articles[1].textContent).toContain('entered in error');
    // Only the live note offers an addendum.
    expect(screen.getAllByRole('button', { name: 'Add addendum' })).toHaveLength(1);
  });

  it('writes a note and voids one with a reason', async () => {
    const calls = shell({
      add_note: (a) => note({ id: 'n9', text: String(a.text), created_us: 1_800_000_000_000_000 }),
      void_note: () => null,
    });
    renderDetail('clinician');
    await screen.findByRole('heading', { level: 1 });
    await fireEvent.click(screen.getByRole('tab', { name: 'Notes' }));
    await screen.findByText('First visit.');
    await fireEvent.click(screen.getByRole('button', { name: 'New note' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Save note' }));
    expect(screen.getByText('Write the note first')).toBeTruthy();
    await fireEvent.input(screen.getByLabelText('Note'), { target: { value: 'Follow-up in 2 weeks.' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save note' }));
    await screen.findByText('Follow-up in 2 weeks.');
    expect(calls.find((c) => c.cmd === 'add_note')?.args).toEqual({ patientId: 'p-1', text: 'Follow-up in 2 weeks.' });

    await fireEvent.click(screen.getAllByRole('button', { name: 'Void' })[0]);
    await fireEvent.click(screen.getByRole('button', { name: 'Void note' }));
    expect(screen.getByText('A reason is required to void a note')).toBeTruthy();
    expect(calls.map((c) => c.cmd)).not.toContain('void_note');
    await fireEvent.input(screen.getByLabelText('Reason for voiding'), { target: { value: 'duplicate' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Void note' }));
    await waitFor(() => expect(calls.find((c) => c.cmd === 'void_note')?.args).toEqual({ noteId: 'n1', reason: 'duplicate' }));
  });

  it('records a consent from a representative and withdraws one', async () => {
    const calls = shell({
      grant_consent: (a) => consent({ id: 'c9', purpose: a.purpose as 'research' }),
      withdraw_consent: (a) => consent({ id: 'c10', purpose: a.purpose as 'treatment', status: 'withdrawn' }),
    });
    renderDetail('receptionist');
    await screen.findByRole('heading', { level: 1 });
    await fireEvent.click(screen.getByRole('tab', { name: 'Consents' }));
    await screen.findByRole('heading', { name: 'Decision log' });
    await fireEvent.change(screen.getByLabelText('Purpose'), { target: { value: 'research' } });
    await fireEvent.change(screen.getByLabelText('Given by'), { target: { value: 'representative' } });
    await fireEvent.input(screen.getByLabelText('Representative'), { target: { value: 'Maria Rossi (mother)' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Record consent' }));
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === 'grant_consent')?.args).toEqual({
        patientId: 'p-1',
        purpose: 'research',
        givenBy: 'Maria Rossi (mother)',
      }),
    );
    await screen.findByText('Research consent recorded.');
    // Only treatment is granted and in force.
    const withdraw = screen.getAllByRole('button', { name: 'Withdraw' });
    expect(withdraw).toHaveLength(1);
    await waitFor(() => expect((withdraw[0] as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(withdraw[0]);
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === 'withdraw_consent')?.args).toEqual({ patientId: 'p-1', purpose: 'treatment' }),
    );
  });

  it('a consent given by the patient sends no name', async () => {
    const calls = shell({ grant_consent: () => consent() });
    renderDetail('clinician');
    await screen.findByRole('heading', { level: 1 });
    await fireEvent.click(screen.getByRole('tab', { name: 'Consents' }));
    await fireEvent.click(await screen.findByRole('button', { name: 'Record consent' }));
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === 'grant_consent')?.args).toEqual({
        patientId: 'p-1',
        purpose: 'treatment',
        givenBy: null,
      }),
    );
  });

  it('writes a prescription', async () => {
    const calls = shell({
      add_prescription: (a) => rx({ id: 'rx-2', ...(a.rx as object), created_us: 1_800_000_000_000_000 }),
    });
    renderDetail('clinician');
    await screen.findByRole('heading', { level: 1 });
    await fireEvent.click(screen.getByRole('tab', { name: 'Prescriptions' }));
    await fireEvent.click(await screen.findByRole('button', { name: 'New prescription' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Save prescription' }));
    expect(screen.getByText('Drug is required')).toBeTruthy();
    for (const [label, value] of [
      ['Drug', 'Ibuprofen'],
      ['Strength', '200 mg'],
      ['Dose', '1 tablet'],
      ['Frequency', 'as needed'],
    ]) {
      await fireEvent.input(screen.getByLabelText(label), { target: { value } });
    }
    await fireEvent.click(screen.getByRole('button', { name: 'Save prescription' }));
    await screen.findByText('Ibuprofen');
    expect(calls.find((c) => c.cmd === 'add_prescription')?.args).toEqual({
      patientId: 'p-1',
      rx: { drug: 'Ibuprofen', strength: '200 mg', dose: '1 tablet', frequency: 'as needed', duration: null, instructions: null, scans: [] },
    });
  });

  it('writes a prescription from a scan, and each leads to the other', async () => {
    const scan = {
      id: 's-9', patient_id: 'p-1', kind: 'jpeg', pages: 1, width: 10, height: 10, orientation: 1,
      bytes: 1000, removed: [], imported_us: 1_700_000_000_000_000, imported_by: 'rita',
      preview: 'thumbnail', prescriptions: ['rx-1'],
    };
    const calls = shell({
      list_prescriptions: () => [rx({ scans: ['s-9'] })],
      list_scans: () => [scan],
      add_prescription: (a) => rx({ id: 'rx-2', ...(a.rx as object), created_us: 1_800_000_000_000_000 }),
      open_scan: () => ({ scan_id: 's-9', opening: 1, kind: 'jpeg', pages: 1, orientation: 1, width: 800, height: 600, screen: null }),
      close_scan: () => null,
    });
    renderDetail('clinician');
    await screen.findByRole('heading', { level: 1 });
    await fireEvent.click(screen.getByRole('tab', { name: 'Prescriptions' }));
    // The row names its scan; the link opens it in the viewer on the Scans tab.
    const from = await screen.findByRole('button', { name: /^JPEG image,/ });
    await fireEvent.click(from);
    await screen.findByTestId('viewer-image');
    expect(calls.find((c) => c.cmd === 'open_scan')?.args).toEqual({ scanId: 's-9' });
    await fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    // From the scan back to its prescription.
    await fireEvent.click(await screen.findByRole('button', { name: 'Written into a prescription' }));
    expect(screen.getByRole('tab', { name: 'Prescriptions' }).getAttribute('aria-selected')).toBe('true');
    // A new prescription written from the scan.
    await fireEvent.click(await screen.findByRole('button', { name: 'New prescription' }));
    await fireEvent.click(await screen.findByRole('checkbox', { name: /JPEG image/ }));
    for (const [label, value] of [
      ['Drug', 'Ibuprofen'],
      ['Strength', '200 mg'],
      ['Dose', '1 tablet'],
      ['Frequency', 'as needed'],
    ]) {
      await fireEvent.input(screen.getByLabelText(label), { target: { value } });
    }
    await fireEvent.click(screen.getByRole('button', { name: 'Save prescription' }));
    await waitFor(() => expect(calls.some((c) => c.cmd === 'add_prescription')).toBe(true));
    expect((calls.find((c) => c.cmd === 'add_prescription')?.args.rx as { scans: string[] }).scans).toEqual(['s-9']);
  });

  it('explains a forbidden answer calmly', async () => {
    shell({
      patient_history: () => {
        throw { code: 'forbidden', message: 'denied' };
      },
    });
    renderDetail('receptionist');
    await screen.findByRole('heading', { level: 1 });
    await fireEvent.click(screen.getByRole('tab', { name: 'History' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Your role cannot view the change history.');
  });
});
