// The admin review page in a real browser: Debian's Chromium driven by playwright-core.
// scripts/server-browser.sh starts the server, makes an admin token, enrolls a test
// workstation that pushes signed batches (and one forked batch), then runs this with
// CV_BASE_URL, CV_ADMIN_TOKEN, CV_DEVICE_ID, CV_PUBLIC_URL and CV_OUT_DIR (screenshots,
// the enrollment token for the script's last check, Chromium's fresh profile).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run scripts/server-browser.sh)`);
  return value;
};
const base = env('CV_BASE_URL');
const adminToken = env('CV_ADMIN_TOKEN');
const deviceId = env('CV_DEVICE_ID');
const publicUrl = env('CV_PUBLIC_URL');
const outDir = env('CV_OUT_DIR');

// Without these flags Chromium reaches for the network, which is closed here.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let context;
let page;
let attacker;
let attackerPort;
const dialogs = [];
const cspReports = [];

/** The page an attacker serves on another port of this host (so: same site, other origin). */
function attackerPage() {
  const form = (action, field) =>
    `<form method="post" action="${base}${action}">${field}<button id="go">Win a prize</button></form>`;
  return (req, res) => {
    const body = req.url === '/with-guess'
      ? form(`/admin/devices/${deviceId}/revoke`, '<input type="hidden" name="csrf" value="guessed">')
      : form(`/admin/devices/${deviceId}/revoke`, '');
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>prize</title>${body}`);
  };
}

before(async () => {
  const profile = await mkdtemp(join(outDir, 'chromium-profile-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1366, height: 768 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('dialog', async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspReports.push(msg.text());
  });
  attacker = http.createServer(attackerPage());
  await new Promise((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerPort = attacker.address().port;
});

after(async () => {
  await context?.close();
  await new Promise((resolve) => (attacker ? attacker.close(resolve) : resolve()));
});

const rowOf = (text) => page.locator('tbody tr', { hasText: text });

test('the login page refuses a wrong token and sets a strict cookie for the right one', async () => {
  await page.goto(`${base}/admin/`);
  assert.equal(new URL(page.url()).pathname, '/admin/login');
  await page.fill('#token', 'cvadmin_notarealtokenatallnotarealtoken');
  await page.click('button[type=submit]');
  assert.match(await page.textContent('main'), /not an admin token of this server/);
  await page.fill('#token', adminToken);
  await page.click('button[type=submit]');
  assert.equal(new URL(page.url()).pathname, '/admin/audit');
  assert.equal(await page.textContent('h1'), 'Audit trail');
  // Chromium keeps a Secure cookie from plain http://127.0.0.1: loopback counts as a
  // secure context.
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'cv_admin');
  assert.ok(session, `a session cookie among ${JSON.stringify(cookies.map((c) => c.name))}`);
  assert.equal(session.httpOnly, true);
  assert.equal(session.secure, true);
  assert.equal(session.sameSite, 'Strict');
  assert.equal(session.path, '/admin');
});

test('the trail is searched with a filter and paged', async () => {
  await page.goto(`${base}/admin/audit`);
  assert.equal(await page.locator('tbody tr').count(), 50);
  // The user cell of the event whose user is a script tag shows the tag as text.
  assert.equal(await rowOf('<script>').count(), 1);
  assert.equal(await rowOf('<script>').locator('td').nth(3).textContent(), '<script>alert("x")</script>');
  await page.fill('input[name=user]', 'rita');
  await page.click('form.filters button[type=submit]');
  assert.equal(new URL(page.url()).searchParams.get('user'), 'rita');
  const users = await page.locator('tbody tr td:nth-child(4)').allTextContents();
  assert.equal(users.length, 50);
  assert.ok(users.every((u) => u === 'rita'), users.join(','));
  await page.click('text=Next page →');
  assert.match(await page.textContent('p.count'), /Events 51–60/);
  assert.equal(await page.locator('tbody tr').count(), 10);
  await page.screenshot({ path: join(outDir, 'admin-audit.png') });
  await page.click('text=← Previous page');
  assert.match(await page.textContent('p.count'), /Events 1–50/);
});

test('the device shows its last sync, head and chain status; the alert is listed', async () => {
  await page.goto(`${base}/admin/devices`);
  const row = rowOf(deviceId);
  assert.equal(await row.count(), 1);
  const text = await row.textContent();
  assert.match(text, /intact to seq 120; 1 batch refused \(latest: chain_fork at seq 1[^)]*\); 1 open/);
  assert.match(text, /Browser test workstation/);
  assert.doesNotMatch(text, /never/);
  assert.match(text, /active/);
  await page.goto(`${base}/admin/alerts`);
  // The refused fork, open.
  assert.equal(await page.locator('table.open tbody tr', { hasText: 'chain_fork' }).count(), 1);
});

test('an alert is acknowledged with its button and shown acknowledged; the chain status follows', async () => {
  await page.goto(`${base}/admin/alerts`);
  const openFork = page.locator('table.open tbody tr', { hasText: 'chain_fork' });
  await openFork.locator('button', { hasText: 'Acknowledge' }).click();
  assert.equal(new URL(page.url()).pathname, '/admin/alerts');
  assert.equal(await page.locator('table.open tbody tr', { hasText: 'chain_fork' }).count(), 0);
  const done = page.locator('table.acknowledged tbody tr', { hasText: 'chain_fork' });
  assert.equal(await done.count(), 1);
  assert.match(await done.textContent(), /acknowledged by browser-test, \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
  assert.equal(await done.locator('button').count(), 0, 'no button once acknowledged');
  assert.match(await page.textContent('main'), /No open alerts\./);
  await page.screenshot({ path: join(outDir, 'admin-alerts.png') });
  await page.goto(`${base}/admin/devices`);
  assert.match(await rowOf(deviceId).textContent(), /1 batch refused \(latest: chain_fork[^)]*\); all acknowledged/);
});

test('an enrollment code is made and shown once', async () => {
  await page.goto(`${base}/admin/enroll`);
  await page.fill('input[name=workstation]', 'Room 7');
  await page.selectOption('select[name=lifetime]', '1h');
  await page.click('form.enroll button[type=submit]');
  const code = (await page.textContent('#enrollment-code')).trim();
  assert.match(code, /^cvenroll1:[A-Za-z0-9_-]+$/);
  const payload = JSON.parse(Buffer.from(code.slice('cvenroll1:'.length), 'base64url').toString('utf8'));
  assert.deepEqual(Object.keys(payload), ['token', 'url']);
  assert.equal(payload.url, publicUrl);
  assert.match(payload.token, /^cvenroll_[a-z2-7]{32}$/);
  await writeFile(join(outDir, 'enroll-token.txt'), `${payload.token}\n`);
  await page.screenshot({ path: join(outDir, 'admin-enroll.png') });
  await page.goto(`${base}/admin/enroll`);
  assert.doesNotMatch(await page.content(), /cvenroll1:/);
  await page.reload();
  assert.doesNotMatch(await page.content(), /cvenroll1:|cvenroll_/);
});

test('a POST without the CSRF token from another origin is refused', async () => {
  // Same site (127.0.0.1), other origin: the SameSite=Strict cookie is sent, so only
  // the server's own checks stand in the way.
  for (const path of ['/', '/with-guess']) {
    await page.goto(`http://127.0.0.1:${attackerPort}${path}`);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/revoke')),
      page.click('#go'),
    ]);
    assert.equal(response.status(), 403, path);
    assert.match(await page.textContent('main'), /nothing was done/);
  }
  // Another site (localhost is not 127.0.0.1): the cookie stays behind.
  await page.goto(`http://localhost:${attackerPort}/`);
  await page.click('#go');
  assert.equal(new URL(page.url()).pathname, '/admin/login');
  // The session's own CSRF token, but without the browser's Origin: refused too.
  await page.goto(`${base}/admin/devices`);
  const csrf = await page.getAttribute('form.logout input[name=csrf]', 'value');
  const bare = await context.request.post(`${base}/admin/devices/${deviceId}/revoke`, {
    form: { csrf },
    maxRedirects: 0,
  });
  assert.equal(bare.status(), 403);
  await page.goto(`${base}/admin/devices`);
  assert.match(await rowOf(deviceId).textContent(), /active/);
});

test('the device is revoked after a confirmation', async () => {
  await page.goto(`${base}/admin/devices`);
  await rowOf(deviceId).locator('text=Revoke…').click();
  assert.equal(await page.textContent('h1'), 'Revoke a device');
  await page.click('button.danger');
  assert.equal(new URL(page.url()).pathname, '/admin/devices');
  assert.match(await rowOf(deviceId).textContent(), /revoked \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
  await page.screenshot({ path: join(outDir, 'admin-devices.png') });
});

test('logging out ends the session, also for a copy of its cookie', async () => {
  const before = (await context.cookies()).find((c) => c.name === 'cv_admin');
  await page.click('form.logout button');
  assert.equal(new URL(page.url()).pathname, '/admin/login');
  assert.equal((await context.cookies()).find((c) => c.name === 'cv_admin'), undefined);
  await page.goto(`${base}/admin/audit`);
  assert.equal(new URL(page.url()).pathname, '/admin/login');
  const replay = await context.request.get(`${base}/admin/audit`, {
    headers: { cookie: `cv_admin=${before.value}` },
    maxRedirects: 0,
  });
  assert.equal(replay.status(), 303);
  assert.equal(replay.headers().location, '/admin/login');
});

test('no script ran and nothing broke the CSP', () => {
  assert.deepEqual(dialogs, []);
  assert.deepEqual(cspReports, []);
});
