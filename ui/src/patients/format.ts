// Formatting helpers for the patient screens. Pure functions: nothing here keeps any
// patient data between calls.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface Ymd {
  y: number;
  m: number;
  d: number;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

/** Parses `YYYY-MM-DD` if it is a real calendar date (as the core does). */
export function parseYmd(value: string): Ymd | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  return { y, m: mo, d };
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Today's date on this PC (local time) as `YYYY-MM-DD`. */
export function todayYmd(now: Date = new Date()): string {
  return `${now.getFullYear()}-${pad2(now.getMonth() + 1)}-${pad2(now.getDate())}`;
}

/** `1980-03-12` → `12 Mar 1980` (unambiguous whatever the locale); unparseable input as is. */
export function formatDate(value: string): string {
  const p = parseYmd(value);
  if (!p) return value;
  return `${p.d} ${MONTHS[p.m - 1]} ${p.y}`;
}

function dayNumber(p: Ymd): number {
  return Date.UTC(p.y, p.m - 1, p.d) / 86_400_000;
}

/** Whole years, months and days from `dob` to `today` (both `YYYY-MM-DD`); null when invalid or in the future. */
export function ageOn(dob: string, today: string): { years: number; months: number; days: number } | null {
  const b = parseYmd(dob);
  const t = parseYmd(today);
  if (!b || !t) return null;
  const days = dayNumber(t) - dayNumber(b);
  if (days < 0) return null;
  let months = (t.y - b.y) * 12 + (t.m - b.m);
  // A birthday on the 31st counts as reached on the last day of a shorter month.
  const anniversaryDay = Math.min(b.d, daysInMonth(t.y, t.m));
  if (t.d < anniversaryDay) months -= 1;
  return { years: Math.floor(months / 12), months, days };
}

/** A compact age: `44 y` from two years on, `7 mo` under two years, `12 d` under a month. */
export function formatAge(dob: string, today: string = todayYmd()): string {
  const a = ageOn(dob, today);
  if (!a) return '';
  if (a.years >= 2) return `${a.years} y`;
  if (a.months >= 1) return `${a.months} mo`;
  return `${a.days} d`;
}

/** `12 Mar 1980 (44 y)`. */
export function formatDob(dob: string, today: string = todayYmd()): string {
  const age = formatAge(dob, today);
  return age ? `${formatDate(dob)} (${age})` : formatDate(dob);
}

/** µs since the epoch → local date and time, `12 Mar 2024, 14:05`. */
export function formatDateTime(us: number): string {
  const t = new Date(Math.floor(us / 1000));
  if (Number.isNaN(t.getTime())) return '';
  return `${t.getDate()} ${MONTHS[t.getMonth()]} ${t.getFullYear()}, ${pad2(t.getHours())}:${pad2(t.getMinutes())}`;
}

/** µs since the epoch → a machine-readable local timestamp for `<time datetime>`. */
export function isoDateTime(us: number): string {
  const t = new Date(Math.floor(us / 1000));
  return Number.isNaN(t.getTime()) ? '' : t.toISOString();
}

const SEX: Record<string, string> = {
  female: 'Female',
  male: 'Male',
  other: 'Other',
  unknown: 'Unknown',
};

export function sexLabel(sex: string | null | undefined): string {
  if (!sex) return '—';
  return SEX[sex] ?? sex;
}

const MATCHED: Record<string, string> = {
  mrn: 'MRN',
  dob: 'date of birth',
  family: 'family name',
  given: 'given name',
  phone: 'phone',
};

/** `Matched on date of birth`. */
export function matchedLabel(matched: string): string {
  return `Matched on ${MATCHED[matched] ?? matched}`;
}

const FIELDS: Record<string, string> = {
  given: 'Given name',
  family: 'Family name',
  dob: 'Date of birth',
  sex: 'Sex',
  phone: 'Phone',
  email: 'E-mail',
  address: 'Address',
  archived: 'Archived',
};

/** A history field name as the form labels it. */
export function fieldLabel(field: string): string {
  return FIELDS[field] ?? field;
}

/** A history value for display: dates and sex readable, `true`/`false` as Yes/No, absent as a dash. */
export function historyValue(field: string, value: string | null): string {
  if (value === null || value === '') return '—';
  if (field === 'dob') return formatDate(value);
  if (field === 'sex') return sexLabel(value);
  if (field === 'archived') return value === 'true' ? 'Yes' : value === 'false' ? 'No' : value;
  return value;
}

const PURPOSES: Record<string, string> = {
  treatment: 'Treatment',
  data_processing: 'Data processing',
  reminders: 'Reminders',
  research: 'Research',
};

export function purposeLabel(purpose: string): string {
  return PURPOSES[purpose] ?? purpose;
}

/** `patient` or `representative: Maria Rossi (mother)` → `Patient` / `Representative: Maria Rossi (mother)`. */
export function givenByLabel(givenBy: string): string {
  if (givenBy === 'patient') return 'Patient';
  const rep = /^representative:\s*(.*)$/.exec(givenBy);
  if (rep) return `Representative: ${rep[1]}`;
  return givenBy;
}

/** An optional value or a dash. */
export function orDash(value: string | null | undefined): string {
  return value === null || value === undefined || value === '' ? '—' : value;
}
