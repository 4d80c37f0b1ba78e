import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import type { Role, ScanSummary } from '../lib/ipc';
import ScansPanel from './ScansPanel.svelte';
import { installUpload } from '../testing/ipcMock';
import { emit } from '@tauri-apps/api/event';

afterEach(() => {
  cleanup();
  clearMocks();
});

// jsdom has no layout: the viewer measures its stage with a ResizeObserver.
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
} as unknown as typeof ResizeObserver;

function scan(over: Partial<ScanSummary> = {}): ScanSummary {
  return {
    id: 's-1',
    patient_id: 'p-1',
    kind: 'jpeg',
    pages: 1,
    width: 4000,
    height: 3000,
    orientation: 1,
    bytes: 4_200_000,
    removed: ['exif'],
    imported_us: 1_700_000_000_000_000,
    imported_by: 'rita',
    preview: 'thumbnail',
    prescriptions: [],
    ...over,
  };
}

type Call = { cmd: string; args: unknown };

function shell(handlers: Record<string, (args: unknown) => unknown>) {
  const calls: Call[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    if (cmd === 'scan_upload_key') return 'test-upload-key';
    const h = handlers[cmd];
    if (!h) throw { code: 'internal', message: `unexpected ${cmd}` };
    return h(args);
  });
  installUpload(handlers, calls);
  return calls;
}

function renderPanel(role: Role) {
  render(ScansPanel, { patientId: 'p-1', role });
}

function file(name: string, bytes: number[]): File {
  return new File([new Uint8Array(bytes)], name);
}

describe('ScansPanel', () => {
  it('shows the desk type icons and no Open button, and clinicians thumbnails they can open', async () => {
    shell({ list_scans: () => [scan({ preview: 'icon' })] });
    renderPanel('receptionist');
    await screen.findByText('JPEG image');
    expect(screen.queryByRole('img')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Open' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Add files…' })).toBeTruthy();
    cleanup();

    const calls = shell({
      list_scans: () => [scan()],
      open_scan: () => ({ scan_id: 's-1', opening: 7, kind: 'jpeg', pages: 1, orientation: 6, width: 800, height: 600, screen: null }),
      close_scan: () => null,
    });
    renderPanel('clinician');
    const thumb = (await screen.findByRole('img')) as HTMLImageElement;
    expect(thumb.src).toBe('cvscan://localhost/thumb/s-1');
    await fireEvent.click(screen.getByRole('button', { name: 'Open' }));
    const page = (await screen.findByTestId('viewer-image')) as HTMLImageElement;
    expect(page.src).toBe('cvscan://localhost/page/s-1/7/0');
    // Orientation 6: shown turned a quarter to the right; the user turns it back.
    expect(page.style.transform).toContain('rotate(90deg)');
    await fireEvent.click(screen.getByRole('button', { name: 'Rotate left' }));
    expect(page.style.transform).toContain('rotate(0deg)');
    await fireEvent.click(screen.getByRole('button', { name: 'Zoom in' }));
    expect(screen.getByTestId('viewer-zoom').textContent).toBe('125 %');
    await fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(screen.queryByTestId('viewer-image')).toBeNull());
    await waitFor(() => expect(calls.map((c) => c.cmd)).toContain('close_scan'));
  });

  it('shows a large photo by its screen rendition first, and the page itself once zoomed past it', async () => {
    shell({
      list_scans: () => [scan()],
      open_scan: () => ({
        scan_id: 's-1', opening: 3, kind: 'jpeg', pages: 1, orientation: 1,
        width: 4000, height: 3000, screen: { width: 2000, height: 1500 },
      }),
      close_scan: () => null,
    });
    renderPanel('clinician');
    await fireEvent.click(await screen.findByRole('button', { name: 'Open' }));
    const img = (await screen.findByTestId('viewer-image')) as HTMLImageElement;
    expect(img.src).toBe('cvscan://localhost/screen/s-1/3');
    expect(img.dataset.rendition).toBe('screen');
    // 125 % of 4000 pixels needs more than the rendition's 2000: the page itself.
    await fireEvent.click(screen.getByRole('button', { name: 'Zoom in' }));
    await waitFor(() => expect(img.src).toBe('cvscan://localhost/page/s-1/3/0'));
    // Back to fit width, it stays (already loaded, and sharper).
    await fireEvent.click(screen.getByRole('button', { name: 'Fit width' }));
    expect(screen.getByTestId('viewer-zoom').textContent).toBe('Fit width');
    expect(img.src).toBe('cvscan://localhost/page/s-1/3/0');
  });

  it('saves a copy from the viewer, says where and that it is not encrypted, and shows a refusal', async () => {
    let answer: () => unknown = () => ({
      path: '/home/cora/Downloads/scan-2026-12-01-ab12cd34.jpg',
      folder: '/home/cora/Downloads',
      bytes: 4_200_000,
    });
    const calls = shell({
      list_scans: () => [scan()],
      open_scan: () => ({ scan_id: 's-1', opening: 7, kind: 'jpeg', pages: 1, orientation: 1, width: 800, height: 600, screen: null }),
      export_scan: () => answer(),
      close_scan: () => null,
    });
    renderPanel('clinician');
    await fireEvent.click(await screen.findByRole('button', { name: 'Open' }));
    await fireEvent.click(await screen.findByRole('button', { name: 'Save a copy' }));
    const done = await screen.findByTestId('export-done');
    expect(done.textContent).toContain('/home/cora/Downloads/scan-2026-12-01-ab12cd34.jpg');
    expect(done.textContent).toContain('not encrypted');
    expect(calls.find((c) => c.cmd === 'export_scan')?.args).toEqual({ scanId: 's-1', opening: 7 });

    answer = () => {
      throw { code: 'forbidden', message: 'not allowed' };
    };
    await fireEvent.click(screen.getByRole('button', { name: 'Save a copy' }));
    expect((await screen.findByTestId('export-error')).textContent).toBe('Your role cannot export scans.');
    expect(screen.queryByTestId('export-done')).toBeNull();
  });

  it('imports several files one by one, saying why one was refused', async () => {
    let stored: ScanSummary[] = [];
    const sent: number[] = [];
    const calls = shell({
      list_scans: () => stored,
      import_scan: (bytes) => {
        const b = bytes as Uint8Array;
        sent.push(b.length);
        if (b[0] !== 0xff) throw { code: 'scan_refused', message: 'The file was refused: the file is not a JPEG, PNG, TIFF or PDF (judged by its content).' };
        const s = scan({ id: `s-${sent.length}` });
        stored = [...stored, s];
        return s;
      },
    });
    renderPanel('receptionist');
    await screen.findByText('No scans yet');
    const input = screen.getByTestId('scan-file-input') as HTMLInputElement;
    Object.defineProperty(input, 'files', {
      value: [file('letter.jpg', [0xff, 0xd8, 0xff]), file('notes.txt', [0x68, 0x69])],
      configurable: true,
    });
    await fireEvent.change(input);
    await screen.findByText('Not imported');
    expect(screen.getByText(/not a JPEG, PNG, TIFF or PDF/)).toBeTruthy();
    expect(screen.getByText('Imported')).toBeTruthy();
    expect(sent).toEqual([3, 2]);
    // Each file went to the app's upload scheme for this patient, with the run's key.
    const uploads = calls.filter((c) => c.cmd === 'import_scan');
    expect(uploads.map((c) => (c.args as { patientId: string }).patientId)).toEqual(['p-1', 'p-1']);
    expect(uploads.map((c) => (c.args as { key: string }).key)).toEqual(['test-upload-key', 'test-upload-key']);
    await screen.findByText('JPEG image');
    expect(calls.filter((c) => c.cmd === 'list_scans').length).toBe(2);
  });

  it('takes dropped files like picked ones', async () => {
    const sent: number[] = [];
    shell({
      list_scans: () => [],
      import_scan: (bytes) => {
        sent.push((bytes as Uint8Array).length);
        return scan();
      },
    });
    renderPanel('clinician');
    await screen.findByText('No scans yet');
    const panel = document.querySelector('[data-panel="scans"]') as HTMLElement;
    const files = [file('a.png', [1, 2, 3, 4])];
    const dataTransfer = { files, types: ['Files'], dropEffect: 'none' };
    await fireEvent.dragOver(panel, { dataTransfer });
    expect(panel.classList.contains('drag-over')).toBe(true);
    await fireEvent.drop(panel, { dataTransfer });
    await screen.findByText('Imported');
    expect(sent).toEqual([4]);
  });

  it("imports files dropped on it from the desktop by the shell's token, and forgets a drop elsewhere", async () => {
    const calls: Call[] = [];
    mockIPC(
      (cmd, args) => {
        calls.push({ cmd, args });
        if (cmd === 'list_scans') return [];
        if (cmd === 'import_dropped') {
          if ((args as { index: number }).index === 1) throw { code: 'scan_refused', message: 'This is not a scan: a text file.' };
          return scan();
        }
        return null;
      },
      { shouldMockEvents: true },
    );
    renderPanel('receptionist');
    await screen.findByText('No scans yet');
    await new Promise((r) => setTimeout(r, 0));
    const panel = document.querySelector('[data-panel="scans"]') as HTMLElement;
    panel.getBoundingClientRect = () => ({ left: 100, top: 100, right: 500, bottom: 400, width: 400, height: 300, x: 100, y: 100, toJSON: () => ({}) }) as DOMRect;

    await emit('files-hover', { x: 200, y: 150 });
    await waitFor(() => expect(panel.classList.contains('drag-over')).toBe(true));
    await emit('files-hover', { x: 20, y: 20 });
    await waitFor(() => expect(panel.classList.contains('drag-over')).toBe(false));

    await emit('files-dropped', { token: 't-1', names: ['rx.png', 'notes.txt'], x: 200, y: 150 });
    await screen.findByText('Imported');
    await screen.findByText(/not a scan: a text file/);
    expect(screen.getByText('rx.png')).toBeTruthy();
    expect(calls.filter((c) => c.cmd === 'import_dropped').map((c) => c.args)).toEqual([
      { token: 't-1', index: 0, patientId: 'p-1' },
      { token: 't-1', index: 1, patientId: 'p-1' },
    ]);
    await waitFor(() => expect(calls.filter((c) => c.cmd === 'forget_dropped')).toHaveLength(1));

    // Dropped beside the panel: nothing is imported, and the shell forgets the files.
    calls.length = 0;
    await emit('files-dropped', { token: 't-2', names: ['x.png'], x: 20, y: 20 });
    await waitFor(() => expect(calls.filter((c) => c.cmd === 'forget_dropped')).toHaveLength(1));
    expect(calls.filter((c) => c.cmd === 'import_dropped')).toHaveLength(0);
  });

  it('says plainly when no scanner is attached, and scans pages into one scan when one is', async () => {
    let devices: unknown[] = [];
    let pages = 0;
    const calls = shell({
      list_scans: () => [],
      scan_devices: () => devices,
      acquire_page: () => ({ patient_id: 'p-1', pages: ++pages }),
      import_acquired: () => scan({ kind: 'tiff', pages }),
      discard_acquired: () => null,
    });
    renderPanel('receptionist');
    await screen.findByText('No scans yet');
    await fireEvent.click(screen.getByRole('button', { name: 'Scan from scanner…' }));
    await screen.findByText(/No scanner found/);
    expect(screen.queryByRole('alert')).toBeNull();

    devices = [{ name: 'test:0', vendor: 'Noname', model: 'frontend-tester', kind: 'virtual device' }];
    await fireEvent.click(screen.getByRole('button', { name: 'Look again' }));
    await fireEvent.click(await screen.findByRole('button', { name: 'Scan page' }));
    await fireEvent.click(await screen.findByRole('button', { name: 'Scan page 2' }));
    const imports = await screen.findByRole('button', { name: 'Import 2 pages as one scan' });
    expect(screen.getAllByRole('img').map((i) => (i as HTMLImageElement).src)).toEqual([
      'cvscan://localhost/acquired/p-1/0?of=2',
      'cvscan://localhost/acquired/p-1/1?of=2',
    ]);
    await fireEvent.click(imports);
    await screen.findByText('Scanned 2 pages');
    const acquire = calls.find((c) => c.cmd === 'acquire_page');
    expect(acquire?.args).toEqual({ patientId: 'p-1', device: 'test:0', dpi: 300, mode: 'color' });
  });
});
