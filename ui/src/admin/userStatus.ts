// Status badges for a row of the users table, and which row actions apply.

import type { UserSummary } from '../lib/ipc';

export type Tone = 'ok' | 'warn' | 'danger' | 'neutral' | 'accent';

export interface StatusBadge {
  label: string;
  tone: Tone;
}

export function userBadges(u: UserSummary): StatusBadge[] {
  const badges: StatusBadge[] = [];
  if (!u.enabled) badges.push({ label: 'Disabled', tone: 'neutral' });
  if (u.locked_out) badges.push({ label: 'Locked out', tone: 'danger' });
  if (u.enabled && u.password === 'one_time') badges.push({ label: 'First login pending', tone: 'warn' });
  if (u.enabled && u.totp === 'pending') badges.push({ label: 'Authenticator pending', tone: 'warn' });
  if (u.enabled && u.totp === 'reset') badges.push({ label: 'Authenticator reset', tone: 'warn' });
  if (u.failed_attempts > 0 && !u.locked_out) {
    badges.push({
      label: `${u.failed_attempts} failed attempt${u.failed_attempts === 1 ? '' : 's'}`,
      tone: 'warn',
    });
  }
  if (badges.length === 0) badges.push({ label: 'Active', tone: 'ok' });
  return badges;
}

export function canClearLockout(u: UserSummary): boolean {
  return u.locked_out || u.failed_attempts > 0;
}

export const ROLE_LABELS: Record<string, string> = {
  receptionist: 'Receptionist',
  clinician: 'Clinician',
  admin: 'Administrator',
};

export function roleLabel(role: string): string {
  return ROLE_LABELS[role] ?? role;
}

/** What an admin can do from a row of the users table (`reset`: the authenticator,
 *  `password`: reset the password, `role`: change the role). */
export type RowAction = 'disable' | 'enable' | 'reset' | 'clear' | 'password' | 'role';

/** Account chores an admin may do on this row: not their own, not a disabled user. */
export function canManageAccount(u: UserSummary, self: string): boolean {
  return u.enabled && u.name !== self;
}
