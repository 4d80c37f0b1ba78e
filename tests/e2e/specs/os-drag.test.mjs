// End-to-end: a file dragged from another X11 window onto a patient's Scans tab is
// imported (issue 11). Not a DOM event built in the page (scenario d2 does that): the
// real path. A GTK window offers the file as text/uri-list (lib/dragsource.py), xdotool
// drives the X server's pointer (press on it, move onto the app, release), X11's XDND
// carries the drag to the app's window, where wry's native handler reads GTK's drop and
// the shell keeps the paths; the page hears where files hover (the Scans panel lights
// up) and imports a drop on the panel by the shell's token. A drop anywhere else in the
// window imports nothing and navigates nowhere: the app stays.
//
// WebKitGTK 2.50.6 (Debian 12) gives a page no file from another app's drop at all, which
// is why the app takes drops in Rust; see tests/e2e/README.md. The page's view of each
// drag (events, types offered, whether the page took it) is printed as a `#` line.
//
// Its own fresh vault (`--vault` under the run's temporary root): it runs alone
// (E2E_ONLY='os drag') or after the main suite, without touching its vault.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  addPatient,
  choose,
  fill,
  firstLoginWith,
  labelledText,
  onboardAdmin,
  onScreen,
  press,
  screen,
  shot,
  startApp,
  stopApp,
  waitFor,
  WAIT,
  xpathString,
} from '../lib/app.mjs';
import {
  dragWithPointer,
  findWindow,
  pointerTo,
  requireDesktopTools,
  screenshotDesktop,
  startDragSource,
  windowGeometry,
  xdotool,
} from '../lib/desktop.mjs';

const ADMIN = { name: 'olga.admin', password: 'amber quarry whistle lantern nine' };
const RECEPTIONIST = { name: 'rufus.desk', password: 'pepper canal orchid basalt mirror' };
const PATIENT = { given: 'Ottoline', family: 'Drummond-Achebe', dob: '1971-11-23' };
const CORPUS = join(process.env.E2E_REPO ?? '.', 'crates/core/tests/scan_corpus/good');
const ROOT = join(process.env.E2E_ROOT ?? '/tmp', 'osdrag');
/** The file on the "desktop" (a photo of a referral letter, say), and its name. */
const DROPPED = 'referral-osdrag.png';
/** Attempts of the gesture when none of it reached the page (an X event lost). */
const ATTEMPTS = 3;

const secrets = new Map();
const oneTime = new Map();
const done = new Set();
let b; // the WebdriverIO browser (one app process)
let source; // the drag source window
let appXid;

function needs(...steps) {
  for (const s of steps) {
    if (!done.has(s)) throw new Error(`needs the earlier scenario "${s}", which did not pass`);
  }
}

async function sessionUser() {
  const el = await b.$('[data-testid="session-user"]');
  await el.waitForDisplayed({ timeout: WAIT });
  return (await el.getText()).trim();
}

async function openTab(name) {
  const tab = await b.$(`//*[@role="tab" and normalize-space(.)=${xpathString(name)}]`);
  await tab.waitForDisplayed({ timeout: WAIT, timeoutMsg: `no tab "${name}"` });
  await tab.click();
}

// ------------------------------------------------------------------ the page's view of a drag

/**
 * Listens (passively: nothing prevented, nothing stopped) to what reaches the page: drag
 * events with the panel under them and what they carry, whether the page took the drop,
 * and where the real pointer last moved. Its `id` tells a reloaded page from this one.
 */
async function installProbe() {
  return b.execute(() => {
    if (window.__e2eDnd) return window.__e2eDnd.id;
    const probe = { id: `p${Date.now()}`, events: [], pointer: null };
    const where = (target) => {
      const el = target instanceof Element ? target : target?.parentElement;
      return el?.closest('[data-panel]')?.getAttribute('data-panel') ?? el?.tagName?.toLowerCase() ?? '?';
    };
    for (const type of ['dragenter', 'dragover', 'dragleave', 'drop']) {
      document.addEventListener(
        type,
        (e) => {
          const rec = {
            type,
            where: where(e.target),
            types: [...(e.dataTransfer?.types ?? [])],
            files: e.dataTransfer?.files?.length ?? 0,
            // Readable in a drop only (protected mode before): which file was offered.
            uriList: type === 'drop' ? e.dataTransfer?.getData('text/uri-list').trim() : undefined,
            x: e.clientX,
            y: e.clientY,
            n: 1,
          };
          const last = probe.events[probe.events.length - 1];
          // dragover repeats while the pointer rests: count it instead.
          if (type === 'dragover' && last?.type === 'dragover' && last.where === rec.where) last.n += 1;
          else probe.events.push(rec);
        },
        true,
      );
    }
    // After the page's own handlers: did one of them take the drag (dragenter and
    // dragover: WebKit drops only when the last one it sent was prevented) or the drop?
    for (const type of ['dragenter', 'dragover', 'drop']) {
      window.addEventListener(type, (e) => {
        const recs = probe.events.filter((r) => r.type === type);
        if (recs.length) recs[recs.length - 1].accepted = e.defaultPrevented;
      });
    }
    document.addEventListener('mousemove', (e) => (probe.pointer = { x: e.clientX, y: e.clientY }), true);
    window.__e2eDnd = probe;
    window.__e2eWhere = where;
    return probe.id;
  });
}

/** The probe's record: {id, events, pointer}, or null when the page was replaced. */
async function probe() {
  return b.execute(() => (window.__e2eDnd ? JSON.parse(JSON.stringify(window.__e2eDnd)) : null));
}

async function clearProbe() {
  await b.execute(() => {
    window.__e2eDnd.events = [];
    window.__e2eDnd.pointer = null;
  });
}

/** The box of the first element matching `selector`, in the page's CSS pixels. */
async function clientRect(selector) {
  const r = await b.execute((sel) => {
    const el = document.querySelector(sel);
    if (!el) return null;
    const { x, y, width, height } = el.getBoundingClientRect();
    return { x, y, width, height, dpr: window.devicePixelRatio, vw: innerWidth, vh: innerHeight };
  }, selector);
  assert.ok(r, `nothing matches ${selector}`);
  return r;
}

/**
 * The screen point of page point (cx, cy): the app window's origin plus the point,
 * checked with the real pointer (moved there, the page's mousemove says where it
 * landed) and corrected by the difference (a window frame or a menu bar above the
 * webview would shift it).
 */
async function screenPoint(cx, cy) {
  const win = windowGeometry(appXid);
  let guess = { x: win.x + cx, y: win.y + cy };
  for (let i = 0; i < 3; i++) {
    await b.execute(() => (window.__e2eDnd.pointer = null));
    pointerTo(guess.x, guess.y);
    let seen = null;
    await b.waitUntil(async () => (seen = (await probe()).pointer) !== null, {
      timeout: WAIT,
      timeoutMsg: `the page saw no mousemove from the X pointer at ${guess.x},${guess.y} (window at ${JSON.stringify(win)})`,
    });
    const dx = Math.round(cx - seen.x);
    const dy = Math.round(cy - seen.y);
    if (Math.abs(dx) <= 1 && Math.abs(dy) <= 1) return guess;
    guess = { x: guess.x + dx, y: guess.y + dy };
    // A nudge, so that the next move is a move even if it lands where this one did.
    pointerTo(guess.x + 5, guess.y + 5);
  }
  throw new Error(`could not place the pointer at page point ${cx},${cy}`);
}


const inside = (p, r) => p.x >= r.x && p.x < r.x + r.width && p.y >= r.y && p.y < r.y + r.height;
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/** The page's events in a line: `dragover@scans×3+ [text/uri-list]` (+: the page took
 *  it; the offered types when they change, and the number of files when there are). */
function summarize(events) {
  let types = null;
  return events
    .map((e) => {
      const count = e.n > 1 ? `×${e.n}` : '';
      const offered = e.types.join(',') === types ? '' : ` [${(types = e.types.join(','))}]`;
      const files = e.files ? ` (${e.files} file)` : '';
      return `${e.type}@${e.where}${count}${e.accepted ? '+' : ''}${offered}${files}`;
    })
    .join(' ');
}

/**
 * Drags the source's file onto page point (cx, cy) with the real pointer and releases
 * once the page's last drag event is a dragover there (`over`: the data-panel under
 * the point, or the tag name outside any panel): a resting hand. Repeats the gesture
 * only when nothing of it reached the page or GTK never started the drag (an X event
 * lost on a loaded server). Returns what the page and the source saw.
 */
async function dragFileTo(cx, cy, label) {
  const over = await b.execute((x, y) => window.__e2eWhere(document.elementFromPoint(x, y)), cx, cy);
  const target = await screenPoint(cx, cy);
  assert.ok(!inside(target, source.rect), `the target ${JSON.stringify(target)} is under the drag source window`);
  const from = { x: source.rect.x + source.rect.width / 2, y: source.rect.y + source.rect.height / 2 };
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    await clearProbe();
    const firstEvent = source.events.length;
    const t0 = Date.now();
    let rested = false;
    await dragWithPointer(from, target, async (wiggle) => {
      // WebKit decides the drop on the last drag event it dispatched; the last step
      // of the move may be a dragenter into a child element. Nudge until a dragover
      // there is the last one.
      const until = Date.now() + 20_000;
      while (Date.now() < until) {
        wiggle();
        await pause(250);
        const last = (await probe())?.events.at(-1);
        // The Scans panel lights up when the shell says files hover over it (its own
        // drag events, from GTK's drop target): that is the hand resting there too.
        const lit = over === 'scans' && (await b.execute(() => !!document.querySelector('[data-panel="scans"].drag-over')));
        if (lit || (last?.type === 'dragover' && last.where === over && last.n >= 2)) {
          rested = true;
          return true;
        }
      }
      return false;
    });
    // The drop, if the page gets one; GTK's end of the drag at the source.
    let page = await probe();
    const until = Date.now() + (rested ? 10_000 : 2_000);
    while (page && !page.events.some((e) => e.type === 'drop') && Date.now() < until) {
      await pause(200);
      page = await probe();
    }
    await source.waitFor('drag-end', 10_000, firstEvent);
    const fromSource = source.events.slice(firstEvent).map(({ at, uri, ...e }) => ({ ...e, ms: at - t0 }));
    const seen = page ? summarize(page.events) || 'nothing' : 'the page was replaced';
    console.log(
      `# ${label}, attempt ${attempt}: ${rested ? 'rested' : 'did NOT rest'} over ${over}; page: ${seen}; source: ${JSON.stringify(fromSource)}; ${Date.now() - t0} ms`,
    );
    const lost = !fromSource.some((e) => e.event === 'drag-begin') || (page && page.events.length === 0);
    if (!lost || attempt === ATTEMPTS) return { page, fromSource, rested, over };
  }
}

describe('os drag: a file from the desktop onto the Scans tab (XDND under Xvfb)', { concurrency: 1 }, () => {
  before(async () => {
    requireDesktopTools();
    rmSync(ROOT, { recursive: true, force: true });
    mkdirSync(join(ROOT, 'desktop'), { recursive: true });
    copyFileSync(join(CORPUS, 'palette-transparency.png'), join(ROOT, 'desktop', DROPPED));
    const t0 = Date.now();
    b = await startApp({ args: ['--vault', join(ROOT, 'vault')] });
    console.log(`# app started on its own vault in ${Date.now() - t0} ms`);
  });

  after(async () => {
    await source?.stop();
    await stopApp(b);
    rmSync(join(ROOT, 'desktop'), { recursive: true, force: true });
  });

  test('os drag a. a fresh vault: the admin onboards and adds a receptionist', async () => {
    secrets.set(ADMIN.name, await onboardAdmin(b, ADMIN));
    assert.equal(await sessionUser(), ADMIN.name);

    await press(b, 'Users');
    await fill(b, 'User name', RECEPTIONIST.name);
    await choose(b, 'Role', 'Receptionist');
    await press(b, 'Add user', 30_000);
    oneTime.set(RECEPTIONIST.name, await labelledText(b, 'One-time password'));
    await press(b, 'Done');
    await waitFor(b, `tr[data-user="${RECEPTIONIST.name}"]`, WAIT, `the row of ${RECEPTIONIST.name}`);
    await press(b, 'Lock');
    await screen(b, 'unlock');
    done.add('a');
  });

  test('os drag b. the receptionist logs in first and adds a patient', async () => {
    needs('a');
    secrets.set(RECEPTIONIST.name, await firstLoginWith(b, RECEPTIONIST, oneTime.get(RECEPTIONIST.name)));
    assert.equal(await sessionUser(), RECEPTIONIST.name);
    await addPatient(b, PATIENT);
    assert.match(await (await b.$('#pd-heading')).getText(), new RegExp(PATIENT.given));
    done.add('b');
  });

  /** The app's window, and the file manager's: small, bottom right, over the app
   *  window (mapped after it; no window manager restacks them), clear of the targets. */
  async function desktop() {
    if (source) return;
    appXid = await findWindow('Clinic Vault');
    const [screenW, screenH] = xdotool('getdisplaygeometry').split(/\s+/).map(Number);
    console.log(`# screen ${screenW}x${screenH}, app window ${JSON.stringify(windowGeometry(appXid))}`);
    source = await startDragSource(join(ROOT, 'desktop', DROPPED), screenW - 240, screenH - 140);
    await installProbe();
  }

  test('os drag c. a file dragged from another window onto the Scans tab is imported', async () => {
    needs('b');
    await openTab('Scans');
    await waitFor(b, '//*[normalize-space(.)="No scans yet"]', WAIT, 'the empty scan list');
    await desktop();
    const zone = await clientRect('[data-panel="scans"] p.subtle');
    const t0 = Date.now();
    const { page, fromSource, rested, over } = await dragFileTo(
      zone.x + zone.width / 2,
      zone.y + zone.height / 2,
      'drop on the Scans tab',
    );
    assert.equal(over, 'scans', 'the target point is on the Scans panel');
    await shot(b, 'osdrag-dropped-on-scans');
    await screenshotDesktop('osdrag-desktop-after-drop');

    // Step by step, so that a failure says where the real path stops. The drop is the
    // shell's (wry reads GTK's drop; WebKitGTK 2.50 would give the page no file): the
    // page only hears where files hover and where they landed.
    assert.ok(fromSource.some((e) => e.event === 'drag-begin'), 'GTK did not start the drag from the source window');
    assert.ok(page, 'the drop replaced the page (a navigation)');
    assert.ok(rested, `the Scans panel never lit up under the drag (page: ${summarize(page.events) || 'nothing'})`);
    assert.ok(
      fromSource.some((e) => e.event === 'data-get' && e.target === 'text/uri-list'),
      `the source was never asked for its text/uri-list (${JSON.stringify(fromSource)})`,
    );
    assert.ok(!page.events.some((e) => e.type === 'drop' && e.accepted), 'the page itself took a drop');

    // The import, as the desk sees it.
    const result = await waitFor(b, '.results [data-status="imported"]', 60_000, 'the import of the dropped file');
    const text = await result.getText();
    assert.ok(text.includes(DROPPED), 'the result names the dropped file');
    assert.match(text, /PNG image, 1 page/);
    assert.equal((await b.$$('.results [data-status="refused"]')).length, 0, 'nothing refused');
    await b.waitUntil(async () => (await b.$$('[data-scan]')).length === 1, {
      timeout: WAIT,
      timeoutMsg: 'the scan is not listed',
    });
    const row = await (await b.$('[data-scan]')).getText();
    assert.match(row, /PNG image/);
    assert.match(row, /1 page/);
    assert.ok(row.includes(`by ${RECEPTIONIST.name}`), 'imported by the receptionist');
    console.log(`# the drag and the import: ${Date.now() - t0} ms`);
    await shot(b, 'osdrag-imported');
  });

  test('os drag d. a file dropped elsewhere in the window does not navigate away', async () => {
    needs('b');
    await desktop();
    const before = await probe();
    const url = await b.getUrl();
    const nScans = (await b.$$('[data-scan]')).length;
    const nResults = (await b.$$('.results li')).length;
    const heading = await clientRect('#pd-heading');
    const { page, fromSource, rested, over } = await dragFileTo(
      heading.x + Math.min(heading.width / 2, 60),
      heading.y + heading.height / 2,
      'drop on the patient heading',
    );
    assert.ok(!['scans', '?'].includes(over), `the target point is outside the Scans panel (${over})`);
    // The drag really was over the window and ended there: GTK started it, the page
    // saw it rest on the heading, and the source's drag ended without "no target".
    assert.ok(fromSource.some((e) => e.event === 'drag-begin'), 'GTK did not start the drag from the source window');
    assert.ok(page, 'the drop replaced the page (a navigation to the file)');
    assert.ok(rested, `the drag did not reach the heading (page: ${summarize(page.events) || 'nothing'})`);
    assert.ok(fromSource.some((e) => e.event === 'drag-end'), 'the drag did not end');
    assert.ok(!page.events.some((e) => e.type === 'drop' && e.accepted), 'something on the page took the drop');
    // WebKit's default for a file dropped where the page does not take it is to load
    // the file; the app refuses the navigation. Give a navigation time to happen.
    const until = Date.now() + 5_000;
    while (Date.now() < until) {
      const now = await probe();
      assert.ok(now && now.id === before.id, 'the page was replaced after the drop');
      await pause(250);
    }
    assert.equal(await b.getUrl(), url, 'the URL changed');
    assert.ok(await onScreen(b, 'patient-detail'), 'the patient is no longer shown');
    assert.equal((await b.$$('[data-scan]')).length, nScans, 'the scan list changed');
    assert.equal((await b.$$('.results li')).length, nResults, 'something was imported');
    assert.equal(xdotool('getwindowname', appXid), 'Clinic Vault');
    await shot(b, 'osdrag-dropped-elsewhere');
    await press(b, 'Lock');
    await screen(b, 'unlock');
  });
});
