// Driving the app: a WebdriverIO session through tauri-driver (each session starts a
// fresh app process), plus small helpers that find things the way a user does: by
// label text, button text and the data-screen markers.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { remote } from 'webdriverio';

export const APP = process.env.E2E_APP;
const PORT = Number(process.env.E2E_PORT ?? 4444);
const SHOTS = process.env.E2E_SCREENSHOTS ?? join(process.env.E2E_REPO ?? '.', 'target/e2e-screenshots');

/** Default wait for the UI (the debug build's Argon2 takes a moment). */
export const WAIT = 15_000;

let shotNo = 0;

/** Starts the app (a new process) and returns the WebdriverIO browser; `args` go on
 *  its command line (`['--vault', dir]`: a vault of its own). */
export async function startApp({ args = [] } = {}) {
  let browser;
  try {
    browser = await remote({
      hostname: '127.0.0.1',
      port: PORT,
      // warn: the info level would log every value typed (passwords, patient names).
      logLevel: 'warn',
      connectionRetryCount: 2,
      connectionRetryTimeout: 60_000,
      capabilities: {
        'tauri:options': { application: APP, args },
        // WebKitWebDriver speaks classic WebDriver; no BiDi.
        'wdio:enforceWebDriverClassic': true,
      },
    });
  } catch (e) {
    if (/failed to create a new browsing context/i.test(String(e?.message))) {
      throw new Error(
        'WebKitWebDriver could not automate the app window. WebKit allows automation only in a ' +
          'persistent web context, and an incognito window has an ephemeral one: the app must not ' +
          'call .incognito(true) when TAURI_WEBVIEW_AUTOMATION=true in a test-hooks build. ' +
          `(${e.message})`,
      );
    }
    throw e;
  }
  return browser;
}

/** Ends the session; WebKitWebDriver closes the app. */
export async function stopApp(browser) {
  if (!browser) return;
  try {
    await browser.deleteSession();
  } catch {
    // Already gone.
  }
}

/** Waits until `data-screen=name` is present (and visible), returns it. */
export async function screen(browser, name, timeout = WAIT) {
  const el = await browser.$(`[data-screen="${name}"]`);
  await el.waitForDisplayed({ timeout, timeoutMsg: `screen "${name}" did not appear` });
  return el;
}

/** Whether `data-screen=name` is in the page now. */
export async function onScreen(browser, name) {
  return (await browser.$$(`[data-screen="${name}"]`).length) > 0;
}

/** The form control whose <label> reads exactly `text`. */
export async function field(browser, text, timeout = WAIT) {
  const label = await browser.$(`//label[normalize-space(.)=${xpathString(text)}]`);
  await label.waitForExist({ timeout, timeoutMsg: `no label "${text}"` });
  const id = await label.getAttribute('for');
  const el = id ? await browser.$(`[id="${id}"]`) : await label.$('input, select, textarea');
  await el.waitForDisplayed({ timeout, timeoutMsg: `control for "${text}" not visible` });
  return el;
}

/** Types into the field labelled `text` (replacing what is there). */
export async function fill(browser, text, value) {
  const el = await field(browser, text);
  await el.setValue(value);
  return el;
}

/** Picks the option with visible text `option` in the select labelled `text`. */
export async function choose(browser, text, option) {
  const el = await field(browser, text);
  await el.selectByVisibleText(option);
  return el;
}

/** The button whose text is exactly `text` (icons and spinners have no text). */
export async function button(browser, text, timeout = WAIT) {
  const el = await browser.$(`//button[normalize-space(.)=${xpathString(text)}]`);
  await el.waitForDisplayed({ timeout, timeoutMsg: `no button "${text}"` });
  return el;
}

/** Clicks the button `text` once it is enabled. */
export async function press(browser, text, timeout = WAIT) {
  const el = await button(browser, text, timeout);
  await el.waitForEnabled({ timeout, timeoutMsg: `button "${text}" stayed disabled` });
  await el.click();
  return el;
}

/** The text of the element with aria-label `label` (the secrets shown once). */
export async function labelledText(browser, label, timeout = WAIT) {
  const el = await browser.$(`[aria-label="${label}"]`);
  await el.waitForDisplayed({ timeout, timeoutMsg: `nothing labelled "${label}"` });
  return (await el.getText()).trim();
}

/** Waits for a role=alert/status element matching `selector` and returns it. */
export async function waitFor(browser, selector, timeout = WAIT, what = selector) {
  const el = await browser.$(selector);
  await el.waitForDisplayed({ timeout, timeoutMsg: `${what} did not appear` });
  return el;
}

/** Saves a numbered screenshot: target/e2e-screenshots/NN-name.png. */
export async function shot(browser, name) {
  mkdirSync(SHOTS, { recursive: true });
  shotNo += 1;
  const file = join(SHOTS, `${String(shotNo).padStart(2, '0')}-${name}.png`);
  // Let transitions and fonts settle so the picture shows the finished screen.
  await browser.pause(150);
  // WebKit's screenshot waits for the next rendering update, which a static page (no
  // caret blinking, nothing animating) never makes: keep one pixel changing meanwhile.
  await browser.execute(() => {
    const dot = document.createElement('div');
    dot.id = 'e2e-repaint';
    dot.style.cssText =
      'position:fixed;right:0;bottom:0;width:1px;height:1px;pointer-events:none;z-index:2147483647;background:rgba(0,0,0,0.01)';
    document.body.appendChild(dot);
    let on = false;
    window.__e2eRepaint = setInterval(() => {
      on = !on;
      dot.style.background = on ? 'rgba(0,0,0,0.02)' : 'rgba(0,0,0,0.01)';
    }, 16);
  });
  try {
    await browser.saveScreenshot(file);
  } finally {
    await browser.execute(() => {
      clearInterval(window.__e2eRepaint);
      document.getElementById('e2e-repaint')?.remove();
    });
  }
  return file;
}

/** The page's HTML as the WebView has it now. */
export async function pageSource(browser) {
  return browser.getPageSource();
}

export function xpathString(s) {
  if (!s.includes("'")) return `'${s}'`;
  if (!s.includes('"')) return `"${s}"`;
  return `concat('${s.split("'").join(`', "'", '`)}')`;
}

/** A fresh vault's onboarding, the happy path: `admin` ({name, password}) creates it,
 *  confirms their authenticator and the recovery key, and lands on the main screen.
 *  Returns their TOTP secret. (Scenario a of app.test.mjs walks it with every check.) */
export async function onboardAdmin(browser, admin) {
  const { nextTotpStep, nowSecs } = await import('./clock.mjs');
  const { totp } = await import('./totp.mjs');
  await screen(browser, 'onboarding', 30_000);
  await fill(browser, 'Administrator name', admin.name);
  await fill(browser, 'Password', admin.password);
  await fill(browser, 'Confirm password', admin.password);
  await press(browser, 'Create vault', 30_000);
  const secret = (await labelledText(browser, 'Authenticator setup key')).replace(/\s+/g, '');
  nextTotpStep();
  await fill(browser, '6-digit code', totp(secret, nowSecs()));
  await press(browser, 'Confirm code');
  await labelledText(browser, 'Recovery key');
  await (await browser.$('//label[contains(normalize-space(.), "I have stored the recovery key")]//input')).click();
  await press(browser, 'Continue');
  await screen(browser, 'main', 30_000);
  return secret;
}

/** A new user's first login, the happy path: one-time password → own password →
 *  authenticator; lands on the main screen. Returns their TOTP secret. */
export async function firstLoginWith(browser, user, oneTimePassword) {
  const { nextTotpStep, nowSecs } = await import('./clock.mjs');
  const { totp } = await import('./totp.mjs');
  await screen(browser, 'unlock');
  await press(browser, 'First login with a one-time password');
  await choose(browser, 'User', user.name);
  await fill(browser, 'One-time password', oneTimePassword);
  await fill(browser, 'New password', user.password);
  await fill(browser, 'Confirm new password', user.password);
  await press(browser, 'Set password', 30_000);
  const secret = (await labelledText(browser, 'Authenticator setup key')).replace(/\s+/g, '');
  nextTotpStep();
  await fill(browser, '6-digit code', totp(secret, nowSecs()));
  await press(browser, 'Confirm code');
  await screen(browser, 'main', 30_000);
  return secret;
}

/** Adds `patient` ({given, family, dob}, sex Female) from the patient list and waits for
 *  their record (past a possible-duplicate question). */
export async function addPatient(browser, patient) {
  await screen(browser, 'patient-list');
  await press(browser, 'Add patient');
  await screen(browser, 'patient-form');
  await fill(browser, 'Given name', patient.given);
  await fill(browser, 'Family name', patient.family);
  const dob = await field(browser, 'Date of birth');
  await dob.setValue(patient.dob);
  if ((await dob.getValue()) !== patient.dob) {
    // WebKitGTK's segmented date fields take keys differently; set it as a picker would.
    await browser.execute(
      (el, v) => {
        el.value = v;
        el.dispatchEvent(new Event('input', { bubbles: true }));
        el.dispatchEvent(new Event('change', { bubbles: true }));
      },
      dob,
      patient.dob,
    );
  }
  await choose(browser, 'Sex', 'Female');
  await press(browser, 'Save patient');
  await browser.waitUntil(
    async () =>
      (await onScreen(browser, 'patient-detail')) ||
      (await browser.$('//button[normalize-space(.)="Add anyway"]').isDisplayed()),
    { timeout: WAIT, timeoutMsg: 'saving the patient led nowhere' },
  );
  if (!(await onScreen(browser, 'patient-detail'))) await press(browser, 'Add anyway');
  await screen(browser, 'patient-detail');
}
