// The views of the main layout (left navigation).
export type View = 'patients' | 'users' | 'audit' | 'keys' | 'settings';
