// Pure helpers of the scan screens: labels, sizes, the viewer's transform, and the
// words for a file the importer refused.

import { asIpcError, type ScanKind } from '../lib/ipc';

export const KIND_LABEL: Record<ScanKind, string> = {
  jpeg: 'JPEG image',
  png: 'PNG image',
  tiff: 'TIFF scan',
  pdf: 'PDF document',
};

/** "4.2 MB", "830 KB", "512 bytes" (1 MB = 1,000,000 bytes, as the limits say). */
export function formatSize(bytes: number): string {
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  if (bytes >= 1_000) return `${Math.round(bytes / 1_000)} KB`;
  return `${bytes} bytes`;
}

export function pagesLabel(n: number): string {
  return n === 1 ? '1 page' : `${n} pages`;
}

/** The files a picker or a drop may offer (the importer judges each by its content). */
export const ACCEPT = '.jpg,.jpeg,.png,.tif,.tiff,.pdf,image/jpeg,image/png,image/tiff,application/pdf';

/**
 * The CSS transform that shows a page upright and as the user turned it: the EXIF
 * orientation of the original (1–8; the stored file no longer carries it), then the
 * user's rotation in quarter turns.
 */
export function pageTransform(orientation: number, quarterTurns: number): string {
  const base: Record<number, { deg: number; flip: boolean }> = {
    1: { deg: 0, flip: false },
    2: { deg: 0, flip: true },
    3: { deg: 180, flip: false },
    4: { deg: 180, flip: true },
    5: { deg: 90, flip: true },
    6: { deg: 90, flip: false },
    7: { deg: 270, flip: true },
    8: { deg: 270, flip: false },
  };
  const o = base[orientation] ?? base[1];
  const deg = (((o.deg + quarterTurns * 90) % 360) + 360) % 360;
  return `rotate(${deg}deg)${o.flip ? ' scaleX(-1)' : ''}`;
}

/** Whether the page, as shown, lies on its side (width and height swap). */
export function isSideways(orientation: number, quarterTurns: number): boolean {
  const onSide = orientation >= 5 && orientation <= 8;
  return onSide !== (((quarterTurns % 2) + 2) % 2 === 1);
}

/** Why one file was not imported, in the desk's words. */
export function refusalText(e: unknown): string {
  const err = asIpcError(e);
  if (err.code === 'forbidden') return 'Your role cannot import scans.';
  if (err.code === 'not_found') return 'This patient no longer exists.';
  const m = err.message.trim();
  return m === '' ? 'Something went wrong.' : m.charAt(0).toUpperCase() + m.slice(1);
}
