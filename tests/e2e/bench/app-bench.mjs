// Desktop app figures, measured through the same harness as the e2e tests (run by
// scripts/app-bench.sh, which builds the CLI with `dev seed`):
//   - cold start: process spawn (session request) → data-screen=unlock visible, 3 runs;
//   - unlock → patient list visible (includes the password KDF);
//   - opening a patient: click in the result list → the patient's heading shown, ×50;
//   - resident memory of the app and its WebKit processes at the unlock screen and after
//     opening 50 patients (RSS summed, and PSS, which counts shared pages once);
//   - opening a 12-megapixel JPEG scan: click on Open → the page's image decoded and
//     painted, ×10 (the JPEG is made by WebKit's own encoder from a canvas, imported by
//     the CLI while the app waits at the unlock screen).
// Time is the system clock here (no test clock): TOTP codes use the ±1-step window.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP, choose, field, fill, screen, startApp, stopApp, WAIT, xpathString } from '../lib/app.mjs';
import { totp, secretFromUri } from '../lib/totp.mjs';
import { commOf, pidsOfExe, processTree, rssKiB, waitForExit } from '../lib/system.mjs';

const CLI = process.env.BENCH_CLI;
const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 3);
const N_PATIENTS = Number(process.env.BENCH_PATIENTS ?? 50);
const VAULT = join(process.env.XDG_DATA_HOME, 'org.clinicvault.desktop', 'vault');
const ADMIN = { name: 'bench.admin', password: 'correct horse battery staple orbit' };
const CLIN = { name: 'bench.clinician', password: 'violet harbour lantern quiet meadow' };

if (!CLI) throw new Error('BENCH_CLI must name a clinicvault binary built with --features dev');

// ------------------------------------------------------------------ helpers

const secrets = new Map();
const lastStep = new Map();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A code never used before for `user`, within the ±1-step window around now. */
async function code(user) {
  for (;;) {
    const nowStep = Math.floor(Date.now() / 1000 / 30);
    const step = Math.max((lastStep.get(user) ?? -Infinity) + 1, nowStep - 1);
    if (step <= nowStep + 1) {
      lastStep.set(user, step);
      return totp(secrets.get(user), step * 30);
    }
    await sleep(1000);
  }
}

function cli(args, stdinLines) {
  const out = execFileSync(CLI, ['--vault', VAULT, '--json', ...args], {
    input: stdinLines.map((l) => `${l}\n`).join(''),
    encoding: 'utf8',
  });
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

function pss(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+) kB/m);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Memory of the app process and all its descendants (WebKit web/network processes). */
function memory() {
  const apps = pidsOfExe(APP);
  if (apps.length !== 1) throw new Error(`expected one app process, found ${apps.length}`);
  const byComm = {};
  let rss = 0;
  let pssTotal = 0;
  for (const pid of processTree(apps[0])) {
    const r = rssKiB(pid);
    const p = pss(pid);
    const comm = commOf(pid);
    byComm[comm] = (byComm[comm] ?? 0) + r;
    rss += r;
    pssTotal += p;
  }
  return { rss_mib: rss / 1024, pss_mib: pssTotal / 1024, rss_by_process_mib: mapValues(byComm, (v) => v / 1024) };
}

function mapValues(o, f) {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Number(f(v).toFixed(1))]));
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** Clicks the element at `xpath` inside the page and resolves with the milliseconds until
 *  `css` is rendered (measured by the page's own clock: no WebDriver round trips). */
async function clickAndTime(b, xpath, css) {
  return b.executeAsync(
    (clickXpath, waitCss, done) => {
      const el = document.evaluate(clickXpath, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null)
        .singleNodeValue;
      if (!el) return done(-1);
      const t0 = performance.now();
      el.click();
      const check = () => {
        const w = document.querySelector(waitCss);
        if (w && w.getClientRects().length > 0) done(performance.now() - t0);
        else requestAnimationFrame(check);
      };
      check();
    },
    xpath,
    css,
  );
}

const fmtMs = (ms) => `${Math.round(ms)} ms`;
const fmtMiB = (m) => `${m.toFixed(0)} MiB`;

// ------------------------------------------------------------------ the vault

console.log(`app-bench: preparing a vault with ${N_PATIENTS} synthetic patients (CLI)`);
const init = cli(['init', '--admin', ADMIN.name], [ADMIN.password])[0];
secrets.set(ADMIN.name, secretFromUri(init.totp_uri));
const added = cli(['--user', ADMIN.name, '--totp', await code(ADMIN.name), 'user', 'add', CLIN.name, '--role', 'clinician'], [
  ADMIN.password,
])[0];
const enrolled = cli(['first-login', '--user', CLIN.name], [added.one_time_password, CLIN.password])[0];
secrets.set(CLIN.name, secretFromUri(enrolled.totp_uri));
const seeded = cli(
  ['--user', CLIN.name, '--totp', await code(CLIN.name), 'dev', 'seed', '--patients', String(N_PATIENTS), '--seed', '7'],
  [CLIN.password],
)[0];
const m = /^(.*?)(\d+)$/.exec(seeded.first_mrn);
const mrns = Array.from({ length: N_PATIENTS }, (_, i) => `${m[1]}${String(Number(m[2]) + i).padStart(m[2].length, '0')}`);
if (mrns.at(-1) !== seeded.last_mrn) throw new Error(`unexpected MRN sequence ${seeded.first_mrn}…${seeded.last_mrn}`);

// ------------------------------------------------------------------ cold start

const cold = [];
let b = null;
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  b = await startApp();
  const tSession = performance.now();
  await screen(b, 'unlock', 60_000);
  const tUnlock = performance.now();
  cold.push({ session_ms: tSession - t0, unlock_screen_ms: tUnlock - t0 });
  console.log(`  cold start ${i + 1}: window automatable after ${fmtMs(tSession - t0)}, unlock screen after ${fmtMs(tUnlock - t0)}`);
  if (i < RUNS - 1) {
    await stopApp(b);
    await waitForExit(APP);
  }
}
await b.pause(500);
const memUnlockScreen = memory();

// ------------------------------------------------------------------ a 12 MP scan

// A 4000×3000 photo-like picture (gradients and noise, so that it compresses like a
// photo), encoded by WebKit at quality 0.85, imported for the first patient by the CLI.
const jpegB64 = await b.executeAsync((done) => {
  const c = document.createElement('canvas');
  c.width = 4000;
  c.height = 3000;
  const g = c.getContext('2d');
  const img = g.createImageData(4000, 3000);
  let seed = 7;
  for (let i = 0; i < img.data.length; i += 4) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const p = i / 4;
    const x = p % 4000;
    const y = (p / 4000) | 0;
    const n = seed >>> 27;
    img.data[i] = ((x * 255) / 4000 + n) & 255;
    img.data[i + 1] = ((y * 255) / 3000 + n / 2) & 255;
    img.data[i + 2] = ((x + y) % 256) + n;
    img.data[i + 3] = 255;
  }
  g.putImageData(img, 0, 0);
  c.toBlob(
    (blob) => {
      const r = new FileReader();
      r.onload = () => done(String(r.result).split(',')[1]);
      r.readAsDataURL(blob);
    },
    'image/jpeg',
    0.85,
  );
});
const jpegPath = join(process.env.E2E_ROOT, 'scan-12mp.jpg');
writeFileSync(jpegPath, Buffer.from(jpegB64, 'base64'));
const scanPatient = cli(['--user', CLIN.name, '--totp', await code(CLIN.name), 'patient', 'search', mrns[0]], [CLIN.password])
  .flatMap((line) => line.results ?? [])
  .map((hit) => hit.patient ?? hit)
  .find((p) => p && p.id);
if (!scanPatient) throw new Error(`no patient found for ${mrns[0]}`);
const scanBytes = readFileSync(jpegPath).length;
cli(['--user', CLIN.name, '--totp', await code(CLIN.name), 'scan', 'import', scanPatient.id, jpegPath], [CLIN.password]);
rmSync(jpegPath);
console.log(`  a 12 MP JPEG (${(scanBytes / 1e6).toFixed(2)} MB) imported for ${mrns[0]}`);

// ------------------------------------------------------------------ unlock

await choose(b, 'User', CLIN.name);
await fill(b, 'Password', CLIN.password);
await fill(b, '6-digit code', await code(CLIN.name));
const unlockButton = await b.$('//button[normalize-space(.)="Unlock"]');
await unlockButton.waitForEnabled({ timeout: WAIT });
const unlockMs = await clickAndTime(b, '//button[normalize-space(.)="Unlock"]', '[data-screen="patient-list"]');
if (unlockMs < 0) throw new Error('no Unlock button');
await screen(b, 'patient-list', 60_000);
console.log(`  unlock → patient list: ${fmtMs(unlockMs)}`);
let t0;

// ------------------------------------------------------------------ 50 patients

const opens = [];
const searches = [];
for (const mrn of mrns) {
  const search = await field(b, 'Search patients');
  t0 = performance.now();
  await search.setValue(mrn);
  const row = await b.$(`//tbody//tr[td[normalize-space(.)=${xpathString(mrn)}]]//button[contains(@class,"open")]`);
  await row.waitForDisplayed({ timeout: WAIT, timeoutMsg: `no search result for ${mrn}` });
  searches.push(performance.now() - t0);
  const openMs = await clickAndTime(
    b,
    `//tbody//tr[td[normalize-space(.)=${xpathString(mrn)}]]//button[contains(@class,"open")]`,
    '[data-screen="patient-detail"] #pd-heading',
  );
  if (openMs < 0) throw new Error(`no result row for ${mrn}`);
  opens.push(openMs);
  const back = await b.$('//button[normalize-space(.)="← Back to list"]');
  await back.click();
  await screen(b, 'patient-list');
}
await b.pause(500);
const memAfter = memory();

// ------------------------------------------------------------------ open the scan

const search = await field(b, 'Search patients');
await search.setValue(mrns[0]);
const firstRow = `//tbody//tr[td[normalize-space(.)=${xpathString(mrns[0])}]]//button[contains(@class,"open")]`;
await (await b.$(firstRow)).waitForDisplayed({ timeout: WAIT });
await (await b.$(firstRow)).click();
await screen(b, 'patient-detail');
await (await b.$('//*[@role="tab" and normalize-space(.)="Scans"]')).click();
const openButton = '//li[@data-scan]//button[normalize-space(.)="Open"]';
await (await b.$(openButton)).waitForDisplayed({ timeout: WAIT });
const scanOpens = [];
const scanRenditions = [];
const scanFullPages = [];
const scanPhases = [];
for (let i = 0; i < 10; i++) {
  // Click → the page's image loaded, decoded and one frame painted, by the page's clock.
  const ms = await b.executeAsync(
    (clickXpath, done) => {
      const el = document.evaluate(clickXpath, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null)
        .singleNodeValue;
      if (!el) return done(-1);
      const t0 = performance.now();
      const at = {};
      el.click();
      const check = () => {
        const img = document.querySelector('[data-testid="viewer-image"]');
        if (img && at.element === undefined) at.element = performance.now() - t0;
        if (img && img.complete && img.naturalWidth > 0) {
          at.loaded = performance.now() - t0;
          img.decode().then(
            () => {
              at.decoded = performance.now() - t0;
              requestAnimationFrame(() => done({ ms: performance.now() - t0, ...at }));
            },
            () => done({ ms: -2 }),
          );
        } else requestAnimationFrame(check);
      };
      check();
    },
    openButton,
  );
  if (ms.ms < 0) throw new Error(`opening the scan failed (${ms.ms})`);
  scanPhases.push(ms);
  scanOpens.push(ms.ms);
  scanRenditions.push(await b.execute(() => document.querySelector('[data-testid="viewer-image"]')?.dataset.rendition));
  // The page itself, as the viewer showed it first before the screen renditions: zoom in
  // past the rendition → the full page loaded, decoded and painted (a one-off cost: the
  // page stays once loaded).
  const fullMs = await b.executeAsync((done) => {
    const zoom = document.querySelector('button[aria-label="Zoom in"]');
    if (!zoom) return done(-1);
    const t0 = performance.now();
    zoom.click();
    const check = () => {
      const img = document.querySelector('[data-testid="viewer-image"]');
      // Each click zooms by 1.25: from fit to width, a few pass the rendition's width.
      if (img && img.dataset.rendition === 'screen') zoom.click();
      if (img && img.dataset.rendition === 'page' && img.complete && img.naturalWidth > 0) {
        img.decode().then(
          () => requestAnimationFrame(() => done(performance.now() - t0)),
          () => done(-2),
        );
      } else requestAnimationFrame(check);
    };
    check();
  });
  if (fullMs < 0) throw new Error(`loading the full page failed (${fullMs})`);
  scanFullPages.push(fullMs);
  await (await b.$('//div[@data-screen="scan-viewer"]//button[normalize-space(.)="Close"]')).click();
  await (await b.$('[data-screen="scan-viewer"]')).waitForExist({ reverse: true, timeout: WAIT });
}
// Where the first image's time goes: the open_scan IPC alone (decrypt, audit), then the
// rendition fetched through cvscan: and decoded off screen, without the viewer.
const scanId = await b.execute(() => document.querySelector('li[data-scan]')?.dataset.scan);
const parts = [];
for (let i = 0; i < 5; i++) {
  parts.push(
    await b.executeAsync((id, done) => {
      const t0 = performance.now();
      window.__TAURI_INTERNALS__.invoke('open_scan', { scanId: id }).then(
        (opened) => {
          const t1 = performance.now();
          const img = new Image();
          img.src = `cvscan://localhost/screen/${id}/${opened.opening}`;
          img.decode().then(
            () => {
              const t2 = performance.now();
              window.__TAURI_INTERNALS__.invoke('close_scan', {}).finally(() => done([t1 - t0, t2 - t1]));
            },
            () => done([-1, -1]),
          );
        },
        () => done([-2, -2]),
      );
    }, scanId),
  );
}
const ipcMs = median(parts.map((p) => p[0]));
const fetchDecodeMs = median(parts.map((p) => p[1]));
console.log(`  first image, phases in the viewer (img element / loaded / decoded / painted): ${scanPhases.map((p) => [p.element, p.loaded, p.decoded, p.ms].map((x) => Math.round(x)).join('/')).join(', ')} ms`);
console.log(`  first image, parts: open_scan IPC ${parts.map((p) => Math.round(p[0])).join(', ')} ms; rendition fetched + decoded ${parts.map((p) => Math.round(p[1])).join(', ')} ms`);
console.log(`  open a 12 MP JPEG scan: ${scanOpens.map((x) => Math.round(x)).join(', ')} ms (first image: ${[...new Set(scanRenditions)].join(', ')})`);
console.log(`  then zoom in → the full page: ${scanFullPages.map((x) => Math.round(x)).join(', ')} ms`);

// ------------------------------------------------------------------ quick unlock (issue 18)

const byTestId = async (id) => {
  const el = await b.$(`[data-testid="${id}"]`);
  await el.waitForDisplayed({ timeout: WAIT, timeoutMsg: `no [data-testid="${id}"]` });
  return el;
};
const clickTestId = async (id) => (await byTestId(id)).click();
async function setPin(pin) {
  await clickTestId('user-menu');
  await clickTestId('menu-set-pin');
  await (await byTestId('pin-new')).setValue(pin);
  await (await byTestId('pin-confirm')).setValue(pin);
  await clickTestId('pin-save');
  await byTestId('pin-set-note');
  await clickTestId('pin-done');
}
/** The PIN typed for `user` on the unlock screen; the click on Unlock → `css` on screen. */
async function timedPinUnlock(user, pin, css) {
  await screen(b, 'unlock');
  await clickTestId(`quick-unlock-${user.name}`);
  await (await byTestId('pin-input')).setValue(pin);
  const ms = await clickAndTime(b, '//*[@data-testid="pin-submit"]', css);
  if (ms < 0) throw new Error('no PIN unlock button');
  return ms;
}
/** "Switch user" from the menu → the unlock screen, timed in the page. */
async function timedSwitchToUnlockScreen(away) {
  await clickTestId('user-menu');
  // The page is on the unlock screen at once; the user who left is listed once the shell
  // has recorded the lock and wrapped their key: timed in the page up to that.
  const ms = await clickAndTime(b, '//*[@data-testid="menu-switch-user"]', `[data-testid="quick-unlock-${away.name}"]`);
  if (ms < 0) throw new Error('no Switch user item');
  return ms;
}
const CLIN_PIN = '604913';
const ADMIN_PIN = '730146';
await setPin(CLIN_PIN);
const quickUnlocks = [];
for (let i = 0; i < 5; i++) {
  await (await b.$('//button[normalize-space(.)="Lock"]')).click();
  await b.$(`[data-testid="quick-unlock-${CLIN.name}"]`).waitForDisplayed({ timeout: WAIT });
  quickUnlocks.push(await timedPinUnlock(CLIN, CLIN_PIN, '[data-screen="patient-list"]'));
}
console.log(`  quick unlock → patient list: ${quickUnlocks.map((x) => Math.round(x)).join(', ')} ms`);
// The admin takes the PC with a password and sets a PIN; then they switch back and forth.
await timedSwitchToUnlockScreen(CLIN);
await choose(b, 'User', ADMIN.name);
await fill(b, 'Password', ADMIN.password);
await fill(b, '6-digit code', await code(ADMIN.name));
await (await b.$('//button[normalize-space(.)="Unlock"]')).click();
await screen(b, 'main', 60_000);
await setPin(ADMIN_PIN);
const switches = [];
for (let i = 0; i < 3; i++) {
  const away = await timedSwitchToUnlockScreen(ADMIN);
  switches.push(away + (await timedPinUnlock(CLIN, CLIN_PIN, '[data-screen="patient-list"]')));
  await timedSwitchToUnlockScreen(CLIN);
  await timedPinUnlock(ADMIN, ADMIN_PIN, '[data-screen="main"]');
}
console.log(`  switch admin → clinician (menu → patient list, the PIN typed by WebDriver not counted): ${switches.map((x) => Math.round(x)).join(', ')} ms`);
await stopApp(b);

// ------------------------------------------------------------------ report

const figures = {
  build: process.env.BENCH_BUILD ?? 'debug (test-hooks)',
  cold_start_to_unlock_screen_ms: cold.map((c) => Math.round(c.unlock_screen_ms)),
  cold_start_median_ms: Math.round(median(cold.map((c) => c.unlock_screen_ms))),
  unlock_to_patient_list_ms: Math.round(unlockMs),
  search_to_result_median_ms: Math.round(median(searches)),
  open_patient_median_ms: Math.round(median(opens)),
  open_patient_p95_ms: Math.round(pct(opens, 95)),
  open_12mp_jpeg_scan_ms: scanOpens.map((x) => Math.round(x)),
  open_12mp_jpeg_scan_median_ms: Math.round(median(scanOpens)),
  open_12mp_jpeg_scan_first_image: [...new Set(scanRenditions)],
  zoom_to_full_12mp_page_ms: scanFullPages.map((x) => Math.round(x)),
  zoom_to_full_12mp_page_median_ms: Math.round(median(scanFullPages)),
  open_scan_ipc_median_ms: Math.round(ipcMs),
  rendition_fetch_decode_median_ms: Math.round(fetchDecodeMs),
  quick_unlock_to_patient_list_ms: quickUnlocks.map((x) => Math.round(x)),
  quick_unlock_to_patient_list_median_ms: Math.round(median(quickUnlocks)),
  switch_user_ms: switches.map((x) => Math.round(x)),
  switch_user_median_ms: Math.round(median(switches)),
  memory_at_unlock_screen: {
    rss_mib: +memUnlockScreen.rss_mib.toFixed(1),
    pss_mib: +memUnlockScreen.pss_mib.toFixed(1),
    rss_by_process_mib: memUnlockScreen.rss_by_process_mib,
  },
  memory_after_opening_patients: {
    patients: N_PATIENTS,
    rss_mib: +memAfter.rss_mib.toFixed(1),
    pss_mib: +memAfter.pss_mib.toFixed(1),
    rss_by_process_mib: memAfter.rss_by_process_mib,
  },
};
const outDir = join(process.env.E2E_REPO ?? '.', 'target');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'app-bench.json'), `${JSON.stringify(figures, null, 2)}\n`);

console.log('');
console.log(`app-bench (${figures.build}):`);
console.log(`  cold start → unlock screen     median ${fmtMs(figures.cold_start_median_ms)}  (runs: ${figures.cold_start_to_unlock_screen_ms.join(', ')} ms)`);
console.log(`  unlock → patient list          ${fmtMs(figures.unlock_to_patient_list_ms)}`);
console.log(`  type an MRN → result shown     median ${fmtMs(figures.search_to_result_median_ms)}`);
console.log(`  open a patient                 median ${fmtMs(figures.open_patient_median_ms)}, p95 ${fmtMs(figures.open_patient_p95_ms)}`);
console.log(`  open a 12 MP JPEG scan → image median ${fmtMs(figures.open_12mp_jpeg_scan_median_ms)}, worst ${fmtMs(Math.max(...scanOpens))}  (click on Open → decoded and painted, timed in the page; first image: ${figures.open_12mp_jpeg_scan_first_image.join(', ')})`);
console.log(`  zoom in → the full 12 MP page median ${fmtMs(figures.zoom_to_full_12mp_page_median_ms)}  (the same run's cost of the page itself, the viewer's first image before renditions)`);
console.log(`  quick unlock → patient list    median ${fmtMs(figures.quick_unlock_to_patient_list_median_ms)}  (target ≤ 400 ms; click on Unlock with the PIN → the list rendered)`);
console.log(`  switch user                    median ${fmtMs(figures.switch_user_median_ms)}  (target ≤ 1 s; menu → unlock screen with the PINs listed, plus PIN unlock → the list)`);
console.log(`  memory at the unlock screen    RSS ${fmtMiB(memUnlockScreen.rss_mib)}, PSS ${fmtMiB(memUnlockScreen.pss_mib)}`);
console.log(`    RSS by process: ${Object.entries(memUnlockScreen.rss_by_process_mib).map(([k, v]) => `${k} ${v} MiB`).join(', ')}`);
console.log(`  memory after ${N_PATIENTS} patients       RSS ${fmtMiB(memAfter.rss_mib)}, PSS ${fmtMiB(memAfter.pss_mib)}`);
console.log(`    RSS by process: ${Object.entries(memAfter.rss_by_process_mib).map(([k, v]) => `${k} ${v} MiB`).join(', ')}`);
console.log(`  (cold start: from the session request that spawns the app, via WebDriver; unlock and open: timed in the page from the click to the rendered screen; search: 11 keystrokes sent by WebDriver plus the search debounce)`);
console.log(`  (also in target/app-bench.json)`);
