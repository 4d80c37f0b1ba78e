// Focus helpers for forms: auth screens put the cursor in the first field still empty.

type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** Fields a user types into or picks from, in document order. */
function fieldsOf(root: HTMLElement): Field[] {
  return Array.from(root.querySelectorAll<Field>('input, select, textarea')).filter(
    (f) => !f.disabled && !(f instanceof HTMLInputElement && ['hidden', 'checkbox', 'radio'].includes(f.type)),
  );
}

/** Focuses the first empty field inside `root` (or the first field if all are filled). */
export function focusFirstEmpty(root: HTMLElement): void {
  const fields = fieldsOf(root);
  const target = fields.find((f) => f.value === '') ?? fields[0];
  target?.focus();
}

// Both actions wait one macrotask so that bound values (e.g. a <select>'s initial value)
// are in place before deciding what is empty.

/** Svelte action: on mount, focus the first empty field of the element. */
export function autofocusFirstEmpty(node: HTMLElement): { destroy: () => void } {
  const timer = setTimeout(() => {
    if (node.isConnected) focusFirstEmpty(node);
  }, 0);
  return { destroy: () => clearTimeout(timer) };
}

/** Svelte action: on mount, focus this element. */
export function autofocus(node: HTMLElement): { destroy: () => void } {
  const timer = setTimeout(() => {
    if (node.isConnected) node.focus();
  }, 0);
  return { destroy: () => clearTimeout(timer) };
}

/** Svelte action: on mount, focus this element (when `enabled`) unless the user is already
 *  in a field (a list that appears late must not pull the cursor out of a password being typed). */
export function autofocusIfIdle(node: HTMLElement, enabled = true): { destroy: () => void } {
  if (!enabled) return { destroy: () => {} };
  const timer = setTimeout(() => {
    const active = document.activeElement;
    if (node.isConnected && (active === null || active === document.body)) node.focus();
  }, 0);
  return { destroy: () => clearTimeout(timer) };
}

/** Keeps Tab and Shift+Tab inside `root` (a modal dialog). Call from its keydown. */
export function trapTab(root: HTMLElement, e: KeyboardEvent): void {
  if (e.key !== 'Tab') return;
  const focusable = Array.from(
    root.querySelectorAll<HTMLElement>('button, input, select, textarea, [href], [tabindex]:not([tabindex="-1"])'),
  ).filter((el) => !(el as HTMLButtonElement).disabled);
  if (focusable.length === 0) return;
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}
