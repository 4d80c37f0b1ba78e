import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { tick } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SearchHit } from '../lib/ipc';
import PatientList from './PatientList.svelte';
import { hit } from './fixtures';
import { permissionsFor } from './permissions';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  cleanup();
  clearMocks();
  vi.useRealTimers();
});

type Pending = { query: string; includeArchived: boolean; resolve: (h: SearchHit[]) => void; reject: (e: unknown) => void };

/** search_patients answers only when the test says so. */
function controlledSearch() {
  const pending: Pending[] = [];
  mockIPC((cmd, args) => {
    if (cmd !== 'search_patients') throw { code: 'internal', message: cmd };
    const a = args as { query: string; includeArchived: boolean };
    return new Promise<SearchHit[]>((resolve, reject) =>
      pending.push({ query: a.query, includeArchived: a.includeArchived, resolve, reject }),
    );
  });
  return pending;
}

async function settle(ms = 0) {
  await vi.advanceTimersByTimeAsync(ms);
  await tick();
}

function renderList(role: 'receptionist' | 'clinician' | 'admin' = 'receptionist', query = '') {
  const onOpen = vi.fn();
  const onAdd = vi.fn();
  render(PatientList, { perms: permissionsFor(role), query, onOpen, onAdd });
  return { onOpen, onAdd, input: screen.getByLabelText('Search patients') as HTMLInputElement };
}

async function typeInto(input: HTMLInputElement, value: string) {
  await fireEvent.input(input, { target: { value } });
}

describe('PatientList', () => {
  it('starts with a prompt, the labelled search box focused', () => {
    controlledSearch();
    const { input } = renderList();
    expect(input.placeholder).toBe('Name, MRN, date of birth or phone');
    expect(document.activeElement).toBe(input);
    expect(screen.getByText('Search by name, MRN, date of birth or phone')).toBeTruthy();
    expect(document.querySelector('[data-screen="patient-list"]')).not.toBeNull();
  });

  it('waits for a pause in typing before searching once', async () => {
    const pending = controlledSearch();
    const { input } = renderList();
    await typeInto(input, 'do');
    await settle(100);
    await typeInto(input, 'doe');
    await settle(249);
    expect(pending).toHaveLength(0);
    await settle(1);
    expect(pending.map((p) => p.query)).toEqual(['doe']);
    pending[0].resolve([hit({}, 'family')]);
    await settle();
    expect(screen.getByText('Matched on family name')).toBeTruthy();
    expect(screen.getByText('CLIN-000123')).toBeTruthy();
    expect(screen.getByRole('status').textContent).toContain('1 patient');
  });

  it('ignores a slow answer to an older search', async () => {
    const pending = controlledSearch();
    const { input } = renderList();
    await typeInto(input, 'jo');
    await settle(250);
    await typeInto(input, 'jon');
    await settle(250);
    expect(pending.map((p) => p.query)).toEqual(['jo', 'jon']);
    pending[1].resolve([hit({ id: 'b', given: 'Jonas', family: 'Berg', mrn: 'CLIN-000002' })]);
    await settle();
    pending[0].resolve([hit({ id: 'a', given: 'Joan', family: 'Avery', mrn: 'CLIN-000001' })]);
    await settle();
    expect(screen.getByText('CLIN-000002')).toBeTruthy();
    expect(screen.queryByText('CLIN-000001')).toBeNull();
  });

  it('does not search a single character, and clearing drops answers in flight', async () => {
    const pending = controlledSearch();
    const { input } = renderList();
    await typeInto(input, 'd');
    await settle(500);
    expect(pending).toHaveLength(0);
    expect(screen.getByRole('status').textContent).toContain('at least 2 characters');
    await typeInto(input, 'do');
    await settle(250);
    await typeInto(input, '');
    pending[0].resolve([hit()]);
    await settle();
    expect(screen.queryByText('CLIN-000123')).toBeNull();
    expect(screen.getByText('Search by name, MRN, date of birth or phone')).toBeTruthy();
  });

  it('offers to add a patient when nothing matches (not to an admin)', async () => {
    const pending = controlledSearch();
    const { input, onAdd } = renderList();
    await typeInto(input, 'zz');
    await settle(250);
    pending[0].resolve([]);
    await settle();
    expect(screen.getByText('No patients match “zz”')).toBeTruthy();
    const buttons = screen.getAllByRole('button', { name: 'Add patient' });
    expect(buttons).toHaveLength(2);
    await fireEvent.click(buttons[1]);
    expect(onAdd).toHaveBeenCalled();

    cleanup();
    const pending2 = controlledSearch();
    const admin = renderList('admin');
    await typeInto(admin.input, 'zz');
    await settle(250);
    pending2[0].resolve([]);
    await settle();
    expect(screen.getByText('No patients match “zz”')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Add patient' })).toBeNull();
  });

  it('shows the archived toggle and searches again at once with it', async () => {
    const pending = controlledSearch();
    const { input } = renderList();
    await typeInto(input, 'doe');
    await settle(250);
    pending[0].resolve([]);
    await settle();
    await fireEvent.click(screen.getByLabelText('Show archived'));
    await settle();
    expect(pending.map((p) => [p.query, p.includeArchived])).toEqual([
      ['doe', false],
      ['doe', true],
    ]);
    pending[1].resolve([hit({ archived: true })]);
    await settle();
    expect(screen.getByText('Archived')).toBeTruthy();
  });

  it('opens a patient by click or keyboard and moves between rows with arrows', async () => {
    const pending = controlledSearch();
    const { input, onOpen } = renderList();
    await typeInto(input, 'doe');
    await settle(250);
    pending[0].resolve([hit({ id: 'a', mrn: 'CLIN-000001' }), hit({ id: 'b', mrn: 'CLIN-000002' })]);
    await settle();
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    const rows = screen.getAllByRole('button', { name: /Doe, Jane/ });
    expect(document.activeElement).toBe(rows[0]);
    await fireEvent.keyDown(rows[0], { key: 'ArrowDown' });
    expect(document.activeElement).toBe(rows[1]);
    // A focused <button> turns Enter into a click.
    await fireEvent.click(rows[1]);
    expect(onOpen).toHaveBeenLastCalledWith('b');
    await fireEvent.click(screen.getByText('CLIN-000001'));
    expect(onOpen).toHaveBeenLastCalledWith('a');
    expect(onOpen).toHaveBeenCalledTimes(2);
  });

  it('shows a short search as guidance, other failures as an error', async () => {
    const pending = controlledSearch();
    const { input } = renderList();
    await typeInto(input, '12');
    await settle(250);
    pending[0].reject({ code: 'invalid_input', message: "'12': type at least 4 digits of a phone number" });
    await settle();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByRole('status').textContent).toContain('type at least 4 digits');
    await typeInto(input, '1234');
    await settle(250);
    pending[1].reject({ code: 'forbidden', message: 'no' });
    await settle();
    expect(screen.getByRole('alert').textContent).toContain('Your role cannot search patients.');
  });

  it('searches at once when it opens with a query (back from a patient)', async () => {
    const pending = controlledSearch();
    renderList('clinician', 'doe');
    await settle();
    expect(pending.map((p) => p.query)).toEqual(['doe']);
  });
});
