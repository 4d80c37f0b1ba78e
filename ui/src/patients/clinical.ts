// Shaping clinical entries for display (pure functions).

import type { NewPrescription, Note, Prescription } from '../lib/ipc';

export interface NoteThread {
  note: Note;
  /** Addenda to this note, oldest first. */
  addenda: Note[];
}

function byTime<T extends { created_us: number }>(list: T[]): T[] {
  return list
    .map((x, i) => ({ x, i }))
    .sort((a, b) => a.x.created_us - b.x.created_us || a.i - b.i)
    .map((e) => e.x);
}

/** Notes oldest → newest, each with its addenda nested under it (an orphan addendum stands alone). */
export function threadNotes(notes: Note[]): NoteThread[] {
  const sorted = byTime(notes);
  const ids = new Set(sorted.map((n) => n.id));
  const threads: NoteThread[] = [];
  const byId = new Map<string, NoteThread>();
  for (const n of sorted) {
    if (n.addendum_to === null || !ids.has(n.addendum_to)) {
      const t = { note: n, addenda: [] as Note[] };
      threads.push(t);
      byId.set(n.id, t);
    }
  }
  for (const n of sorted) {
    if (n.addendum_to !== null && byId.has(n.addendum_to) && !byId.has(n.id)) {
      byId.get(n.addendum_to)!.addenda.push(n);
    }
  }
  return threads;
}

/** Prescriptions newest first. */
export function newestFirst(list: Prescription[]): Prescription[] {
  return byTime(list).reverse();
}

export interface RxFormValues {
  drug: string;
  strength: string;
  dose: string;
  frequency: string;
  duration: string;
  instructions: string;
}

export type RxField = keyof RxFormValues;

export const RX_REQUIRED: RxField[] = ['drug', 'strength', 'dose', 'frequency'];

export function emptyRx(): RxFormValues {
  return { drug: '', strength: '', dose: '', frequency: '', duration: '', instructions: '' };
}

const RX_LABELS: Record<RxField, string> = {
  drug: 'Drug',
  strength: 'Strength',
  dose: 'Dose',
  frequency: 'Frequency',
  duration: 'Duration',
  instructions: 'Instructions',
};

export function validateRx(v: RxFormValues): Partial<Record<RxField, string>> {
  const errors: Partial<Record<RxField, string>> = {};
  for (const f of RX_REQUIRED) if (v[f].trim() === '') errors[f] = `${RX_LABELS[f]} is required`;
  for (const f of ['drug', 'strength', 'dose', 'frequency', 'duration'] as RxField[]) {
    if (!errors[f] && [...v[f].trim()].length > 200) errors[f] = `${RX_LABELS[f]} is too long (at most 200 characters)`;
  }
  if ([...v.instructions.trim()].length > 2000) errors.instructions = 'Instructions are too long (at most 2000 characters)';
  return errors;
}

export function toNewPrescription(v: RxFormValues, scans: string[] = []): NewPrescription {
  const opt = (s: string) => (s.trim() === '' ? null : s.trim());
  return {
    scans,
    drug: v.drug.trim(),
    strength: v.strength.trim(),
    dose: v.dose.trim(),
    frequency: v.frequency.trim(),
    duration: opt(v.duration),
    instructions: opt(v.instructions),
  };
}
