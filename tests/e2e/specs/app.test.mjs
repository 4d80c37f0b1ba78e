// End-to-end: the real app on a fresh vault, driven like a user would. The scenarios run
// in order and build on each other (one vault per run): onboarding → staff accounts →
// a clinician's patient and note → what a receptionist may see → scans at the desk and
// in the viewer → lockout delay → idle
// lock → OS lock and suspend → an unattended first-login page closes → nothing readable
// left on disk.
//
// Time: the app reads its clock from CLINICVAULT_TEST_CLOCK_FILE (test-hooks build);
// the tests move it forward instead of sleeping (TOTP steps, the lockout delay, idle),
// and set the wall clock back on its own to show that the timers measure elapsed time.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import {
  APP,
  button,
  choose,
  field,
  fill,
  labelledText,
  onScreen,
  pageSource,
  press,
  screen,
  shot,
  startApp,
  stopApp,
  waitFor,
  WAIT,
  xpathString,
} from '../lib/app.mjs';
import { advance, nextTotpStep, nowSecs, shiftWallClock } from '../lib/clock.mjs';
import { totp } from '../lib/totp.mjs';
import {
  OTHER_SESSION,
  lockSession,
  prepareForSleep,
  scanForTerms,
  waitForExit,
} from '../lib/system.mjs';

const ADMIN = { name: 'avery.admin', password: 'correct horse battery staple orbit' };
const CLINICIAN = { name: 'cora.clinician', password: 'violet harbour lantern quiet meadow' };
const RECEPTIONIST = { name: 'rhea.reception', password: 'copper kettle marmalade saturn drift' };
/** Walks away from the first-login setup page. */
const LATECOMER = { name: 'lars.late', password: 'saffron glacier telescope window pebble' };
const PATIENT = { given: 'Zebediah', family: 'Quintrell-Okafor', dob: '1984-03-07' };
/** The note's text; its marker must never reach a receptionist's page or the disk. */
const NOTE_MARKER = 'Vertigo-4471-QX';
const NOTE_TEXT = `Intermittent positional vertigo for three weeks. ${NOTE_MARKER} Betahistine trial discussed.`;
/** What must not be readable anywhere after the run. */
/** Strings in the EXIF of the photo imported as a scan: stripped, so found nowhere. */
const EXIF_TERMS = ['SN-SECRET-4711', 'SecretCam', 'Dr SECRET'];
const PHI_TERMS = ['Zebediah', 'Quintrell', 'Okafor', NOTE_MARKER, ...EXIF_TERMS];
/** The importer's corpus: a photo with EXIF, XMP, IPTC and GPS, and a 3-page TIFF. */
const CORPUS = join(process.env.E2E_REPO ?? '.', 'crates/core/tests/scan_corpus/good');

/** A two-page PDF (text on each page), written for the scan import. */
function twoPagePdf(path) {
  const page = (n) => `BT /F1 36 Tf 72 700 Td (Referral letter, page ${n}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 6 0 R >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 7 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Length ${page(1).length} >>\nstream\n${page(1)}\nendstream`,
    `<< /Length ${page(2).length} >>\nstream\n${page(2)}\nendstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  writeFileSync(path, out, 'latin1');
  return path;
}

/**
 * A PDF that passes the importer (nothing active, nothing hidden) but crashes the
 * renderer: one page of 100,000 overlapping filled rectangles, for which hayro asks for
 * a gigabyte and aborts (hayro 0.9; a memory limit would kill it the same way). The app
 * must carry on and show an icon.
 */
function rendererCrashPdf() {
  const ops = [];
  for (let i = 0; i < 100_000; i++) ops.push(`${i % 50} ${i % 70} 500 700 re f`);
  const content = deflateSync(Buffer.from(ops.join('\n'), 'latin1'), { level: 9 });
  const parts = [];
  let length = 0;
  const offsets = [];
  const push = (b) => {
    const buf = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
    parts.push(buf);
    length += buf.length;
  };
  push('%PDF-1.7\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> /Contents 4 0 R >>',
  ];
  objects.forEach((body, i) => {
    offsets.push(length);
    push(`${i + 1} 0 obj\n${body}\nendobj\n`);
  });
  offsets.push(length);
  push(`4 0 obj\n<< /Length ${content.length} /Filter /FlateDecode >>\nstream\n`);
  push(content);
  push('\nendstream\nendobj\n');
  const xref = length;
  push(`xref\n0 5\n0000000000 65535 f \n`);
  for (const o of offsets) push(`${String(o).padStart(10, '0')} 00000 n \n`);
  push(`trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  return Buffer.concat(parts);
}

/** TOTP secrets by user name, read from the enrollment screens. */
const secrets = new Map();
/** One-time passwords handed out by the admin. */
const oneTime = new Map();
/** Milestones, so a later scenario fails with a clear reason when an earlier one did. */
const done = new Set();

let b; // the WebdriverIO browser (one app process)

function needs(...steps) {
  for (const s of steps) {
    if (!done.has(s)) throw new Error(`needs the earlier scenario "${s}", which did not pass`);
  }
}

/** A code for `user` in a fresh TOTP step (each step's code unlocks once). */
function freshCode(user) {
  nextTotpStep();
  return totp(secrets.get(user), nowSecs());
}

async function setupKey() {
  return (await labelledText(b, 'Authenticator setup key')).replace(/\s+/g, '');
}

async function sessionUser() {
  const el = await b.$('[data-testid="session-user"]');
  await el.waitForDisplayed({ timeout: WAIT });
  return (await el.getText()).trim();
}

async function lockNotice() {
  const el = await waitFor(b, '[data-screen="unlock"] .notice[role="status"]', WAIT, 'the lock notice');
  return (await el.getText()).trim();
}

/** Everyday unlock: user, password, code. */
async function unlockAs(user) {
  await screen(b, 'unlock');
  await choose(b, 'User', user.name);
  await fill(b, 'Password', user.password);
  await fill(b, '6-digit code', freshCode(user.name));
  await press(b, 'Unlock');
  await screen(b, 'main', 30_000);
  assert.equal(await sessionUser(), user.name);
}

/** A new user's first login: one-time password → own password → authenticator. */
async function firstLogin(user, shots = false) {
  await screen(b, 'unlock');
  await press(b, 'First login with a one-time password');
  await choose(b, 'User', user.name);
  await fill(b, 'One-time password', oneTime.get(user.name));
  await fill(b, 'New password', user.password);
  await fill(b, 'Confirm new password', user.password);
  if (shots) await shot(b, 'first-login');
  await press(b, 'Set password', 30_000);
  secrets.set(user.name, await setupKey());
  if (shots) await shot(b, 'first-login-authenticator');
  await fill(b, '6-digit code', freshCode(user.name));
  await press(b, 'Confirm code');
  await screen(b, 'main', 30_000);
  assert.equal(await sessionUser(), user.name);
}

async function lockWithButton() {
  await press(b, 'Lock');
  await screen(b, 'unlock');
}

/** Type-ahead search from the patient list, then open the patient. */
async function openPatient(query = PATIENT.family.slice(0, 6), screenshot = false) {
  await screen(b, 'patient-list');
  const search = await field(b, 'Search patients');
  await search.setValue(query);
  const row = await b.$(
    `//tbody//button[contains(@class,"open")][.//span[contains(@class,"family") and normalize-space(.)=${xpathString(PATIENT.family)}]]`,
  );
  await row.waitForDisplayed({ timeout: WAIT, timeoutMsg: 'the patient did not show up in the search' });
  if (screenshot) await shot(b, 'patient-list-search');
  await row.click();
  await screen(b, 'patient-detail');
  const heading = await b.$('#pd-heading');
  await heading.waitForDisplayed({ timeout: WAIT });
  assert.match(await heading.getText(), new RegExp(PATIENT.given));
}

async function tabNames() {
  const tabs = await b.$$('[role="tab"]');
  const names = [];
  for (const t of tabs) names.push((await t.getText()).trim());
  return names;
}

async function openTab(name) {
  const tab = await b.$(`//*[@role="tab" and normalize-space(.)=${xpathString(name)}]`);
  await tab.waitForDisplayed({ timeout: WAIT, timeoutMsg: `no tab "${name}"` });
  await tab.click();
}

/** The page no longer holds anything about the patient. */
async function assertNoPhiOnPage(what) {
  const html = await pageSource(b);
  for (const term of PHI_TERMS) {
    // Never print the page: only whether the term is there.
    assert.ok(!html.includes(term), `${what}: "${term}" is still in the page source`);
  }
}

/** The patient is on the page now (so that "gone after the lock" means something). */
async function assertPatientOnPage() {
  const html = await pageSource(b);
  assert.ok(html.includes(PATIENT.given) && html.includes(PATIENT.family), 'the patient is shown before the lock');
}

/** Waits (real time, a few seconds) for the app to lock on its own. */
async function waitForLock(timeout = 5_000) {
  await screen(b, 'unlock', timeout);
  assert.equal(await onScreen(b, 'main'), false);
}

/** Clicks the button whose accessible name comes from `aria-label` (an icon button). */
async function pressLabelled(label) {
  const el = await b.$(`button[aria-label=${JSON.stringify(label)}]`);
  await el.waitForClickable({ timeout: WAIT, timeoutMsg: `no button labelled "${label}"` });
  await el.click();
}

async function press_ctrl_l() {
  await b.keys(['Control', 'l']);
}

// ------------------------------------------------------------------ quick unlock (issue 18)

const CLINICIAN_PIN = '604913';
const RECEPTIONIST_PIN = '251807';

/** The element with `data-testid=id`, once visible. */
async function byTestId(id, timeout = WAIT) {
  const el = await b.$(`[data-testid="${id}"]`);
  await el.waitForDisplayed({ timeout, timeoutMsg: `no [data-testid="${id}"] on screen` });
  return el;
}

async function clickTestId(id, timeout = WAIT) {
  const el = await byTestId(id, timeout);
  await el.waitForEnabled({ timeout, timeoutMsg: `[data-testid="${id}"] stayed disabled` });
  await el.click();
}

/** "Set a PIN…" from the menu under the user's name. */
async function setPin(pin) {
  await clickTestId('user-menu');
  await clickTestId('menu-set-pin');
  await (await byTestId('pin-new')).setValue(pin);
  await (await byTestId('pin-confirm')).setValue(pin);
  await clickTestId('pin-save');
  await byTestId('pin-set-note', 30_000);
}

/** "Switch user" from the menu: the unlock screen. */
async function switchUser() {
  await clickTestId('user-menu');
  await clickTestId('menu-switch-user');
  await screen(b, 'unlock');
}

/** "Unlock as NAME with PIN": returns the milliseconds from the click on Unlock to the
 *  patient list on screen (WebDriver round trips included). */
async function pinUnlock(user, pin) {
  await screen(b, 'unlock');
  await clickTestId(`quick-unlock-${user.name}`);
  await (await byTestId('pin-input')).setValue(pin);
  const t0 = Date.now();
  await clickTestId('pin-submit');
  const refusal = '[data-screen="unlock"] [role="alert"]';
  await b.waitUntil(async () => (await onScreen(b, 'patient-list')) || (await b.$$(refusal).length) > 0, {
    timeout: 30_000,
    timeoutMsg: `neither the patient list nor a refusal after ${user.name}'s PIN`,
  });
  const ms = Date.now() - t0;
  if (!(await onScreen(b, 'patient-list'))) {
    await shot(b, `pin-refused-${user.name}`);
    throw new Error(`${user.name}'s PIN was refused: ${await (await b.$(refusal)).getText()}`);
  }
  assert.equal(await sessionUser(), user.name);
  return ms;
}

/** Nothing the clinician had on screen is in the page: the patient, the note. */
async function assertNothingOfTheClinician(what) {
  await assertNoPhiOnPage(what);
  assert.equal(await onScreen(b, 'patient-detail'), false, `${what}: a patient is open`);
}

async function quickUserListed(user) {
  return (await b.$$(`[data-testid="quick-unlock-${user.name}"]`).length) > 0;
}

/** Waits until the unlock screen offers "Unlock as NAME with PIN" (the list follows the
 *  shell's lock, which wraps the key after the page was already told). */
async function waitForQuickUser(user) {
  await b.waitUntil(() => quickUserListed(user), {
    timeout: 15_000,
    timeoutMsg: `the unlock screen does not offer ${user.name}'s PIN`,
  });
}

describe('Clinic Vault desktop app', { concurrency: 1 }, () => {
  before(async () => {
    const t0 = Date.now();
    b = await startApp();
    console.log(`# app started (session open) in ${Date.now() - t0} ms`);
  });

  after(async () => {
    await stopApp(b);
  });

  test('a. onboarding creates the vault and unlocks the first admin', async () => {
    await screen(b, 'onboarding', 30_000);
    await shot(b, 'onboarding-1-admin');
    await fill(b, 'Administrator name', ADMIN.name);
    await fill(b, 'Password', ADMIN.password);
    await fill(b, 'Confirm password', ADMIN.password);
    await press(b, 'Create vault', 30_000);

    secrets.set(ADMIN.name, await setupKey());
    assert.match(secrets.get(ADMIN.name), /^[A-Z2-7]{16,}$/);
    const qr = await b.$('[aria-label="QR code for your authenticator app"] svg');
    assert.ok(await qr.isExisting(), 'the QR code is shown');
    await shot(b, 'onboarding-2-authenticator');
    // A wrong code is refused and the enrollment stays.
    const good = freshCode(ADMIN.name);
    await fill(b, '6-digit code', good === '000000' ? '111111' : '000000');
    await press(b, 'Confirm code');
    await waitFor(b, '[data-screen="onboarding"] [role="alert"]', WAIT, 'the wrong-code message');
    await fill(b, '6-digit code', good);
    await press(b, 'Confirm code');

    const recoveryKey = await labelledText(b, 'Recovery key');
    assert.ok(recoveryKey.length >= 20, 'a recovery key is shown');
    assert.equal(await (await button(b, 'Continue')).isEnabled(), false, 'Continue waits for "I have stored it"');
    await shot(b, 'onboarding-3-recovery-key');
    const stored = await b.$('//label[contains(normalize-space(.), "I have stored the recovery key")]//input');
    await stored.click();
    await press(b, 'Continue');

    await screen(b, 'main', 30_000);
    assert.equal(await sessionUser(), ADMIN.name);
    assert.equal((await (await b.$('[data-testid="session-role"]')).getText()).trim().toLowerCase(), 'administrator');
    assert.ok(!(await pageSource(b)).includes(recoveryKey), 'the recovery key is gone from the page');
    await shot(b, 'main-admin');
    done.add('a');
  });

  test('b. the admin adds a clinician and a receptionist, visits the admin screens, locks', async () => {
    needs('a');
    await press(b, 'Users');
    for (const [user, role] of [
      [CLINICIAN, 'Clinician'],
      [RECEPTIONIST, 'Receptionist'],
      [LATECOMER, 'Receptionist'],
    ]) {
      await fill(b, 'User name', user.name);
      await choose(b, 'Role', role);
      await press(b, 'Add user', 30_000);
      const otp = await labelledText(b, 'One-time password');
      assert.ok(otp.length >= 8, 'a one-time password is shown');
      oneTime.set(user.name, otp);
      if (role === 'Clinician') await shot(b, 'admin-users-one-time-password');
      await press(b, 'Done');
      await waitFor(b, `tr[data-user="${user.name}"]`, WAIT, `the row of ${user.name}`);
    }
    await shot(b, 'admin-users');

    await press(b, 'Audit');
    await press(b, 'Verify vault', 30_000);
    await waitFor(b, '[data-verify="ok"]', 30_000, 'a verified vault');
    await shot(b, 'admin-audit');

    await press(b, 'Keys');
    await button(b, 'Rotate data key');
    await shot(b, 'admin-keys');

    await press(b, 'Settings');
    const idle = await field(b, 'Idle lock (minutes)');
    assert.equal(await idle.getValue(), '5');
    await shot(b, 'admin-settings');

    await lockWithButton();
    assert.equal(await lockNotice(), 'Vault locked.');
    await shot(b, 'unlock');
    done.add('b');
  });

  test('c. the clinician logs in first, adds a patient, finds them, writes a note', async () => {
    needs('b');
    await firstLogin(CLINICIAN, true);
    await shot(b, 'main-clinician');

    await screen(b, 'patient-list');
    await press(b, 'Add patient');
    await screen(b, 'patient-form');
    await fill(b, 'Given name', PATIENT.given);
    await fill(b, 'Family name', PATIENT.family);
    const dob = await field(b, 'Date of birth');
    await dob.setValue(PATIENT.dob);
    if ((await dob.getValue()) !== PATIENT.dob) {
      // Some WebKitGTK versions render type=date as segmented fields that take keys
      // differently; set it as a date picker would.
      await b.execute(
        (el, v) => {
          el.value = v;
          el.dispatchEvent(new Event('input', { bubbles: true }));
          el.dispatchEvent(new Event('change', { bubbles: true }));
        },
        dob,
        PATIENT.dob,
      );
    }
    assert.equal(await dob.getValue(), PATIENT.dob);
    await choose(b, 'Sex', 'Male');
    await shot(b, 'patient-form');
    await press(b, 'Save patient');
    // A fresh vault has no look-alike; accept the duplicate warning only if it appears.
    await b.waitUntil(async () => (await onScreen(b, 'patient-detail')) || (await b.$('//button[normalize-space(.)="Add anyway"]').isDisplayed()), {
      timeout: WAIT,
      timeoutMsg: 'saving the patient led nowhere',
    });
    if (!(await onScreen(b, 'patient-detail'))) await press(b, 'Add anyway');
    await screen(b, 'patient-detail');
    await waitFor(b, '//*[@role="status" and normalize-space(.)="Patient added."]', WAIT, '"Patient added."');

    await press(b, '← Back to list');
    await openPatient(PATIENT.family.slice(0, 6), true);
    await shot(b, 'patient-detail-clinician');
    assert.deepEqual(await tabNames(), ['Demographics', 'History', 'Consents', 'Notes', 'Prescriptions', 'Scans']);

    await openTab('Notes');
    await press(b, 'New note');
    await fill(b, 'Note', NOTE_TEXT);
    await press(b, 'Save note');
    const note = await b.$(`//*[contains(@class,"text") and contains(., ${xpathString(NOTE_MARKER)})]`);
    await note.waitForDisplayed({ timeout: WAIT, timeoutMsg: 'the saved note is not shown' });
    await button(b, 'Add addendum');
    await button(b, 'Void');
    await shot(b, 'patient-notes');

    await lockWithButton();
    await assertNoPhiOnPage('after the Lock button');
    done.add('c');
  });

  test('d. the receptionist sees the patient but no clinical notes; Ctrl+L locks', async () => {
    needs('c');
    await firstLogin(RECEPTIONIST);
    await openPatient(PATIENT.dob);
    const tabs = await tabNames();
    assert.deepEqual(tabs, ['Demographics', 'History', 'Consents', 'Scans']);
    assert.ok(!tabs.includes('Notes'), 'no Notes tab for a receptionist');
    for (const t of ['Consents', 'History']) await openTab(t);
    const html = await pageSource(b);
    assert.ok(html.includes(PATIENT.given), 'the demographics are shown');
    assert.ok(!html.includes(NOTE_MARKER), 'the note text is not in the page source');
    await openTab('Demographics');
    await shot(b, 'patient-detail-receptionist');

    await press_ctrl_l();
    await screen(b, 'unlock');
    await assertNoPhiOnPage('after Ctrl+L');
    assert.equal(await lockNotice(), 'Vault locked.');

    // A restart finds the vault (cold start straight to the unlock screen) and the
    // receptionist unlocks the everyday way.
    await stopApp(b);
    await waitForExit(APP);
    const t0 = Date.now();
    b = await startApp();
    await screen(b, 'unlock', 30_000);
    console.log(`# cold start to the unlock screen: ${Date.now() - t0} ms`);
    await unlockAs(RECEPTIONIST);
    await lockWithButton();
    done.add('d');
  });

  test('d2. the receptionist imports scans by the file dialog and the desk scanner, and cannot open them', async () => {
    needs('d');
    await unlockAs(RECEPTIONIST);
    await openPatient(PATIENT.dob);
    await openTab('Scans');
    await waitFor(b, '//*[normalize-space(.)="No scans yet"]', WAIT, 'the empty scan list');
    // The file dialog's input, given two files at once (WebDriver's file upload).
    const input = await b.$('[data-testid="scan-file-input"]');
    // The picker's input is visually hidden behind "Add files…", which opens the native
    // dialog; WebDriver fills the same input the dialog would, once it can see it.
    await b.execute((el) => el.classList.remove('visually-hidden'), input);
    const pdf = twoPagePdf(join(process.env.E2E_ROOT, 'referral.pdf'));
    await input.setValue(
      [join(CORPUS, 'photo-exif-xmp-iptc-gps.jpg'), join(CORPUS, 'three-pages-rgb-grey-bilevel.tif'), pdf].join('\n'),
    );
    await b.waitUntil(async () => (await b.$$('.results [data-status="imported"]')).length === 3, {
      timeout: 30_000,
      timeoutMsg: 'the three files were not all imported',
    });
    // Two files dropped on the patient's scans at once: a PDF that crashes the renderer
    // (imported: the importer accepts it; its thumbnail cannot be drawn) and a text
    // file, refused with the reason: a DOM drop event built in the page (the page's
    // handler in real WebKit; the OS drag from a file manager is not simulated).
    const dropped = await b.execute((pdfB64) => {
      const bin = atob(pdfB64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'letter-from-the-hospital.pdf', { type: 'application/pdf' }));
      dt.items.add(new File(['Dear colleague, ...'], 'notes.txt', { type: 'text/plain' }));
      const panel = document.querySelector('[data-panel="scans"]');
      const over = new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true });
      panel.dispatchEvent(over);
      const drop = new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true });
      panel.dispatchEvent(drop);
      return { accepted: over.defaultPrevented, handled: drop.defaultPrevented, files: dt.files.length };
    }, rendererCrashPdf().toString('base64'));
    assert.deepEqual(dropped, { accepted: true, handled: true, files: 2 }, 'the panel takes the drop');
    await b.waitUntil(
      async () =>
        (await b.$$('.results [data-status="imported"]')).length === 1 &&
        (await b.$$('.results [data-status="refused"]')).length === 1,
      { timeout: 60_000, timeoutMsg: 'the dropped files were not both answered' },
    );
    const refusal = await (await b.$('.results [data-status="refused"]')).getText();
    assert.match(refusal, /notes\.txt/);
    await shot(b, 'scans-dropped');
    // The desk scanner (SANE's test backend): two pages, one scan.
    await press(b, 'Scan from scanner…');
    await waitFor(b, '#scan-device', WAIT, 'the scanner list');
    await press(b, 'Scan page', 30_000);
    await press(b, 'Scan page 2', 30_000);
    await waitFor(b, '//img[@alt="Scanned page 2"]', WAIT, 'the second page preview');
    await shot(b, 'scanner');
    await press(b, 'Import 2 pages as one scan', 30_000);
    await waitFor(b, '//*[normalize-space(.)="Scanned 2 pages"]', 30_000, 'the scanned import');
    await b.waitUntil(async () => (await b.$$('[data-scan]')).length === 5, {
      timeout: WAIT,
      timeoutMsg: 'five scans are not listed',
    });
    // The desk sees what they are, as icons; it cannot open them.
    assert.equal((await b.$$('[data-scan] .icon')).length, 5, 'type icons for the desk');
    assert.equal((await b.$$('[data-scan] img')).length, 0, 'no thumbnails for the desk');
    assert.equal((await b.$$('//button[normalize-space(.)="Open"]')).length, 0, 'no Open for the desk');
    await shot(b, 'scans-receptionist');
    const html = await pageSource(b);
    for (const term of EXIF_TERMS) assert.ok(!html.includes(term), `"${term}" is in the page`);
    await lockWithButton();
    done.add('d2');
  });

  test('d3. the clinician opens, zooms, rotates, pages and saves a scan; a PDF that crashes the renderer leaves the app running; a lock removes the image', async () => {
    needs('d2');
    await unlockAs(CLINICIAN);
    await openPatient();
    await openTab('Scans');
    const thumbsLoaded = () =>
      b.execute(() => {
        const imgs = [...document.querySelectorAll('[data-scan] img.thumb')];
        // The PDF's first page is drawn by the sandboxed renderer at import (not the
        // one that crashes it: that one has an icon).
        return imgs.length === 4 && imgs.every((i) => i.complete && i.naturalWidth > 0);
      });
    await b.waitUntil(thumbsLoaded, { timeout: 30_000, timeoutMsg: 'the thumbnails did not load' });
    // The scan of two pages from the desk scanner (the test clock stands still, so the
    // three share an import time).
    const first = await b.$('//li[@data-scan][.//span[contains(., "2 pages")]]');
    await (await first.$('.//button[normalize-space(.)="Open"]')).click();
    await screen(b, 'scan-viewer');
    const pageLoaded = () =>
      b.execute(() => {
        const i = document.querySelector('[data-testid="viewer-image"]');
        return Boolean(i && i.complete && i.naturalWidth > 0);
      });
    await b.waitUntil(pageLoaded, { timeout: 30_000, timeoutMsg: 'the page did not load' });
    assert.equal(await (await b.$('[data-testid="viewer-page"]')).getText(), 'Page 1 of 2');
    await pressLabelled('Zoom in');
    assert.match(await (await b.$('[data-testid="viewer-zoom"]')).getText(), /%$/);
    await pressLabelled('Rotate right');
    assert.equal(await (await b.$('[data-testid="viewer-image"]')).getAttribute('data-turns'), '1');
    await pressLabelled('Next page');
    assert.equal(await (await b.$('[data-testid="viewer-page"]')).getText(), 'Page 2 of 2');
    await b.waitUntil(pageLoaded, { timeout: 30_000, timeoutMsg: 'page 2 did not load' });
    await press(b, 'Fit width');
    await shot(b, 'scan-viewer');
    await press(b, 'Close');

    // The PDF that crashes the renderer: an icon in the list (no thumbnail could be
    // drawn at import), and in the viewer a message; the app carries on.
    const crashRow = await b.$('//li[@data-scan][.//strong[normalize-space(.)="PDF document"]][.//span[contains(., "1 page ")]]');
    assert.ok(await crashRow.isExisting(), 'the dropped PDF is listed');
    assert.equal(await (await crashRow.$('.icon')).isExisting(), true, 'an icon, not a thumbnail');
    await (await crashRow.$('.//button[normalize-space(.)="Open"]')).click();
    await screen(b, 'scan-viewer');
    await waitFor(b, '//*[@role="alert" and starts-with(normalize-space(.), "This PDF page could not be drawn")]', 60_000, 'the message for a page that cannot be drawn');
    await shot(b, 'scan-viewer-unrenderable');
    await press(b, 'Close');
    await b.waitUntil(thumbsLoaded, { timeout: 30_000, timeoutMsg: 'the app stopped answering after the renderer crashed' });

    // The PDF: each page drawn by the sandboxed renderer.
    const pdfRow = await b.$('//li[@data-scan][.//strong[normalize-space(.)="PDF document"]][.//span[contains(., "2 pages")]]');
    await (await pdfRow.$('.//button[normalize-space(.)="Open"]')).click();
    await screen(b, 'scan-viewer');
    await b.waitUntil(pageLoaded, { timeout: 30_000, timeoutMsg: 'the PDF page was not drawn' });
    assert.equal(await (await b.$('[data-testid="viewer-page"]')).getText(), 'Page 1 of 2');
    await pressLabelled('Next page');
    assert.equal(await (await b.$('[data-testid="viewer-page"]')).getText(), 'Page 2 of 2');
    await b.waitUntil(pageLoaded, { timeout: 30_000, timeoutMsg: 'PDF page 2 was not drawn' });
    await pressLabelled('Rotate left');
    await pressLabelled('Zoom in');
    await shot(b, 'scan-viewer-pdf');
    const pageUrl = await (await b.$('[data-testid="viewer-image"]')).getAttribute('src');

    // Save a copy: into the Downloads folder (made on first use), owner-only, the
    // stripped PDF; the clinician is told where and that it is not encrypted.
    await press(b, 'Save a copy');
    const saved = await waitFor(b, '[data-testid="export-done"]', 30_000, 'the saved copy');
    const savedText = await saved.getText();
    const savedPath = /as (\/\S+\.pdf)/.exec(savedText)?.[1];
    assert.ok(savedPath, `the message names the file (${savedText})`);
    assert.match(savedText, /not encrypted/);
    assert.ok(savedPath.startsWith(join(process.env.E2E_ROOT, 'home', 'Downloads')), savedPath);
    const copy = readFileSync(savedPath);
    assert.equal(copy.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.equal(statSync(savedPath).mode & 0o777, 0o600, 'only its owner may read the copy');
    await shot(b, 'scan-viewer-saved');
    // The copy is the one file outside the vault that may hold the scan; it goes now,
    // so that the disk scan at the end can check that nothing else does.
    rmSync(savedPath);

    await press_ctrl_l();
    await screen(b, 'unlock');
    assert.equal((await b.$$('[data-testid="viewer-image"]')).length, 0, 'the image is gone');
    assert.ok(!(await pageSource(b)).includes('cvscan:'), 'no scan image is referenced');
    // The scheme answers nothing once locked.
    const answer = await b.executeAsync((url, done) => {
      const i = new Image();
      i.onload = () => done('loaded');
      i.onerror = () => done('refused');
      i.src = url;
    }, pageUrl);
    assert.equal(answer, 'refused');
    done.add('d3');
  });

  test('e. five wrong codes delay the next attempt; after the delay the unlock works', async () => {
    needs('d');
    await screen(b, 'unlock');
    const code = freshCode(RECEPTIONIST.name);
    const wrong = String((Number(code) + 500_000) % 1_000_000).padStart(6, '0');
    await choose(b, 'User', RECEPTIONIST.name);
    let attempts = 0;
    let problem = null;
    while (attempts < 7) {
      attempts += 1;
      await fill(b, 'Password', RECEPTIONIST.password);
      await fill(b, '6-digit code', wrong);
      await press(b, 'Unlock', 30_000);
      // The answer is in when the form is no longer busy and a message is shown.
      await b.waitUntil(
        async () =>
          (await (await b.$('//button[normalize-space(.)="Unlock"]')).getAttribute('aria-busy')) !== 'true' &&
          (await b.$('[data-screen="unlock"] [data-problem]').isExisting()),
        { timeout: 30_000, timeoutMsg: 'no answer to the unlock attempt' },
      );
      problem = await (await b.$('[data-screen="unlock"] [data-problem]')).getAttribute('data-problem');
      if (problem === 'locked_out') break;
      assert.equal(problem, 'bad_credentials');
    }
    console.log(`# locked out at attempt ${attempts}`);
    assert.equal(problem, 'locked_out', `locked out after ${attempts} attempts`);
    assert.ok(attempts <= 6, `the delay starts after 5 failures (took ${attempts} attempts)`);
    const alert = await b.$('[data-problem="locked_out"]');
    const text = await alert.getText();
    assert.match(text, /try again/i);
    const countdown = await (await alert.$('.countdown')).getText();
    assert.match(countdown, /^00:(2\d|30)$/, `a 30-s countdown is shown (${countdown})`);
    await shot(b, 'lockout-countdown');
    // While the delay runs, the form refuses even the right code.
    await fill(b, 'Password', RECEPTIONIST.password);
    await fill(b, '6-digit code', code);
    assert.equal(await (await button(b, 'Unlock')).isEnabled(), false);

    // Past the delay (app time), the right password and a fresh code unlock. The page's
    // countdown runs on real time: picking the user again clears it, as a user would.
    advance(31);
    await choose(b, 'User', CLINICIAN.name);
    await choose(b, 'User', RECEPTIONIST.name);
    await unlockAs(RECEPTIONIST);
    done.add('e');
  });

  test('f. without input for 6 minutes the app locks and wipes the patient from the page', async () => {
    needs('e');
    await openPatient(PATIENT.given);
    await assertPatientOnPage();
    // Just under the limit nothing happens; past it the watchdog (every 0.5 s) locks.
    advance(4 * 60);
    await b.pause(1200);
    assert.equal(await onScreen(b, 'patient-detail'), true, 'still unlocked after 4 idle minutes');
    // Setting the PC's clock back does not keep the session open: the idle timer
    // measures elapsed time, which a wall-clock change does not move.
    shiftWallClock(-4 * 60);
    advance(2 * 60);
    await waitForLock();
    shiftWallClock(4 * 60);
    assert.match(await lockNotice(), /without activity/);
    await assertNoPhiOnPage('after the idle lock');
    await shot(b, 'locked-idle');
    done.add('f');
  });

  test('g. the OS session lock and suspend lock the app (logind on D-Bus)', async () => {
    needs('c');
    await unlockAs(CLINICIAN);
    await openPatient();
    await openTab('Notes');
    await (await b.$(`//*[contains(., ${xpathString(NOTE_MARKER)})]`)).waitForExist({ timeout: WAIT });
    await assertPatientOnPage();

    // Another user's session locking is not ours.
    lockSession(OTHER_SESSION);
    await b.pause(1500);
    assert.equal(await onScreen(b, 'patient-detail'), true, "another session's Lock leaves the app unlocked");

    lockSession();
    await waitForLock();
    assert.match(await lockNotice(), /this computer was locked/);
    await assertNoPhiOnPage('after the OS lock');
    await shot(b, 'locked-os-lock');

    await unlockAs(CLINICIAN);
    await openPatient();
    await assertPatientOnPage();
    prepareForSleep(false); // a resume: nothing to do
    await b.pause(1500);
    assert.equal(await onScreen(b, 'patient-detail'), true, 'PrepareForSleep(false) leaves the app unlocked');
    prepareForSleep(true);
    await waitForLock();
    assert.match(await lockNotice(), /went to sleep/);
    await assertNoPhiOnPage('after suspend');
    await shot(b, 'locked-suspend');
    done.add('g');
  });

  test('g2. after an idle lock the clinician comes back with a PIN; two staff switch at the desk and back', async () => {
    needs('e');
    await unlockAs(CLINICIAN);
    await setPin(CLINICIAN_PIN);
    await shot(b, 'pin-set');
    await clickTestId('pin-done');
    await openPatient();
    await openTab('Notes');
    await (await b.$(`//*[contains(., ${xpathString(NOTE_MARKER)})]`)).waitForExist({ timeout: WAIT });

    advance(6 * 60);
    await waitForLock();
    await assertNothingOfTheClinician('after the idle lock with a PIN armed');
    await waitForQuickUser(CLINICIAN);
    await shot(b, 'unlock-with-pin');

    // A wrong PIN is counted; the right one still opens the session, with no code.
    await clickTestId(`quick-unlock-${CLINICIAN.name}`);
    await (await byTestId('pin-input')).setValue('000017');
    await clickTestId('pin-submit');
    const attempts = await byTestId('pin-attempts');
    await b.waitUntil(async () => /^2 attempts left/.test((await attempts.getText()).trim()), {
      timeout: 30_000,
      timeoutMsg: 'the attempts left did not drop to 2',
    });
    await shot(b, 'unlock-wrong-pin');
    await (await byTestId('pin-input')).setValue(CLINICIAN_PIN);
    const t0 = Date.now();
    await clickTestId('pin-submit');
    await screen(b, 'patient-list', 30_000);
    console.log(`# quick unlock → patient list: ${Date.now() - t0} ms (debug build, WebDriver round trips included)`);
    assert.equal(await sessionUser(), CLINICIAN.name);
    await byTestId('pin-session-badge');
    await openPatient();
    await assertPatientOnPage();

    // The receptionist takes the PC: the clinician's views go with the switch.
    await switchUser();
    await assertNothingOfTheClinician('after "Switch user"');
    await waitForQuickUser(CLINICIAN);
    await unlockAs(RECEPTIONIST);
    await assertNothingOfTheClinician('while the receptionist is unlocked (password)');
    await setPin(RECEPTIONIST_PIN);
    await clickTestId('pin-done');

    const switches = [];
    for (let round = 0; round < 2; round++) {
      await switchUser();
      switches.push(await pinUnlock(CLINICIAN, CLINICIAN_PIN));
      await openPatient();
      await openTab('Notes');
      await (await b.$(`//*[contains(., ${xpathString(NOTE_MARKER)})]`)).waitForExist({ timeout: WAIT });
      await switchUser();
      await assertNothingOfTheClinician(`round ${round}: after switching away from the clinician`);
      switches.push(await pinUnlock(RECEPTIONIST, RECEPTIONIST_PIN));
      await assertNothingOfTheClinician(`round ${round}: while the receptionist is unlocked (PIN)`);
    }
    await shot(b, 'switched-back-to-receptionist');
    console.log(`# PIN unlocks after "Switch user": ${switches.join(', ')} ms`);

    // "Lock and require password": her PIN is gone, his stays.
    await clickTestId('user-menu');
    await clickTestId('menu-lock-require-password');
    await screen(b, 'unlock');
    await waitForQuickUser(CLINICIAN);
    assert.equal(await quickUserListed(RECEPTIONIST), false, "the receptionist's PIN was wiped");

    // Suspend wipes every PIN held.
    prepareForSleep(true);
    await b.waitUntil(async () => !(await quickUserListed(CLINICIAN)), {
      timeout: 10_000,
      timeoutMsg: 'the PIN was still offered after suspend',
    });
    done.add('g2');
  });

  test('h. an unattended first-login page closes after 5 minutes without input; the new password still unlocks', async () => {
    needs('b');
    await screen(b, 'unlock');
    await press(b, 'First login with a one-time password');
    await choose(b, 'User', LATECOMER.name);
    await fill(b, 'One-time password', oneTime.get(LATECOMER.name));
    await fill(b, 'New password', LATECOMER.password);
    await fill(b, 'Confirm new password', LATECOMER.password);
    await press(b, 'Set password', 30_000);
    const key = await setupKey();
    secrets.set(LATECOMER.name, key);
    await shot(b, 'first-login-setup-page');

    // Nobody touches the page; the wall clock set back does not keep it open either.
    advance(4 * 60);
    shiftWallClock(-4 * 60);
    await b.pause(1200);
    assert.equal(await (await b.$('.qr')).isExisting(), true, 'the setup page is still open after 4 minutes');
    advance(61);
    const notice = await lockNotice();
    shiftWallClock(4 * 60);
    assert.match(notice, /^The setup page was closed after 5 minutes without activity\./);
    assert.equal(await (await b.$('.qr')).isExisting(), false, 'the QR code is gone');
    const html = await pageSource(b);
    assert.ok(!html.includes(key), 'the setup key is gone from the page');
    assert.ok(!html.includes('otpauth'), 'the otpauth URI is gone from the page');
    await shot(b, 'first-login-expired');
    assert.equal(await (await field(b, 'User')).getValue(), LATECOMER.name, 'the user stays preselected');

    // As the notice says: the new password (set before the page closed) and the
    // authenticator unlock.
    await unlockAs(LATECOMER);
    await lockWithButton();
    done.add('h');
  });

  test('i. nothing under HOME, the XDG dirs, TMPDIR or the vault holds the patient or the note', async () => {
    needs('c');
    await stopApp(b);
    b = null;
    assert.ok(await waitForExit(APP), 'the app exited');
    const root = process.env.E2E_ROOT;
    assert.ok(root, 'E2E_ROOT is set');
    const dirs = ['home', 'data', 'cache', 'config', 'runtime', 'tmp'].map((d) => join(root, d));
    const { hits, scanned, bytes } = scanForTerms(dirs, PHI_TERMS);
    console.log(`# scanned ${scanned} files (${bytes} bytes) under ${root}`);
    assert.ok(scanned > 0, 'the vault files were scanned');
    assert.deepEqual(
      hits.map((h) => `${h.file.slice(root.length + 1)}: ${h.term} (${h.encoding})`),
      [],
      'plaintext PHI found on disk',
    );
    // The app's own output (stderr through tauri-driver) must not echo PHI either.
    const logs = scanForTerms([join(root, 'logs')].filter(Boolean), PHI_TERMS).hits.filter((h) =>
      /tauri-driver\.log$/.test(h.file),
    );
    assert.deepEqual(logs.map((h) => `${h.term} (${h.encoding})`), [], 'PHI in the app output');
  });
});
