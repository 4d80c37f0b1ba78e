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
