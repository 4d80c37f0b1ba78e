// End-to-end: the workstation's sync with a real sync server (issue 14). The admin
// enrolls the workstation in Settings › Sync server with the code the server's CLI
// prints; the top bar says Synced; the server goes away (SIGKILL) while the admin works
// and a receptionist adds a patient, the bar says Offline with what waits and the
// details say why; the server comes back and the queue drains on its own: the server
// holds the chain up to the local head, and no patient name.
//
// Its own fresh vault and its own server (SQLite, a free loopback port) under the run's
// temporary root; the server is the debug build scripts/e2e.sh made (E2E_SERVER).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  addPatient,
  choose,
  fill,
  firstLoginWith,
  labelledText,
  onboardAdmin,
  press,
  shot,
  startApp,
  stopApp,
  waitFor,
  WAIT,
} from '../lib/app.mjs';
import { scanForTerms } from '../lib/system.mjs';

const ROOT = join(process.env.E2E_ROOT ?? '/tmp/clinic-vault-e2e', 'sync');
const SERVER_BIN = process.env.E2E_SERVER;
const ADMIN = { name: 'sasha.admin', password: 'quartz meadow lantern ribbon eleven' };
const RECEPTIONIST = { name: 'rosa.reception', password: 'amber tulip harbour violin ninety' };
const PATIENT = { given: 'Ottoline', family: 'Vasquez-Brightwater', dob: '1979-11-23' };

const done = new Set();
let b;
let server;
let oneTime;

function needs(...steps) {
  for (const s of steps) {
    if (!done.has(s)) throw new Error(`needs the earlier scenario "${s}", which did not pass`);
  }
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** A sync server child on SQLite in `dir`, at one address across restarts. */
class SyncServer {
  constructor(dir, port) {
    this.url = `http://127.0.0.1:${port}`;
    this.env = {
      ...process.env,
      CLINIC_VAULT_SERVER_DATA_DIR: dir,
      CLINIC_VAULT_SERVER_LISTEN: `127.0.0.1:${port}`,
      CLINIC_VAULT_SERVER_PUBLIC_URL: this.url,
      RUST_LOG: 'warn',
    };
    this.dir = dir;
    this.log = join(dir, 'server.log');
    mkdirSync(dir, { recursive: true });
  }

  /** Runs a server command (`enroll-token create …`) and returns what it printed. */
  run(args) {
    return execFileSync(SERVER_BIN, args, { env: this.env, encoding: 'utf8' }).trim();
  }

  async start() {
    const log = openSync(this.log, 'a');
    this.child = spawn(SERVER_BIN, ['serve'], { env: this.env, stdio: ['ignore', log, log] });
    const until = Date.now() + 30_000;
    for (;;) {
      try {
        if ((await fetch(`${this.url}/healthz`)).ok) return;
      } catch {
        // Not up yet.
      }
      if (this.child.exitCode !== null) throw new Error(`the sync server exited; see ${this.log}`);
      if (Date.now() > until) throw new Error(`the sync server did not start; see ${this.log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGKILL: the server is gone at once, as a pulled cable or a crash would have it. */
  async kill() {
    if (!this.child || this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await exited;
  }

  /** The head the server holds for each device: `device list`'s `head N`. */
  heads() {
    return this.run(['device', 'list'])
      .split('\n')
      .filter(Boolean)
      .map((line) => Number(line.split('\t')[3].replace('head ', '')));
  }
}

async function indicator() {
  const el = await b.$('[data-testid="sync-indicator"]');
  await el.waitForDisplayed({ timeout: WAIT, timeoutMsg: 'the sync indicator did not appear' });
  return el;
}

/** Waits until the top bar's sync pill is in `state`; returns its words. */
async function waitForSyncState(state, timeout = 60_000) {
  const el = await indicator();
  await b.waitUntil(async () => (await el.getAttribute('data-state')) === state, {
    timeout,
    timeoutMsg: `the sync indicator did not reach "${state}" (it says "${await el.getText()}")`,
  });
  return (await el.getText()).trim();
}

async function testIdText(id) {
  const el = await b.$(`[data-testid="${id}"]`);
  await el.waitForDisplayed({ timeout: WAIT, timeoutMsg: `${id} did not appear` });
  return (await el.getText()).trim();
}

async function openDetails() {
  await (await indicator()).click();
  await waitFor(b, '[data-testid="sync-details"]', WAIT, 'the sync details');
}

async function closeDetails() {
  await press(b, 'Close');
}

describe('sync: a workstation and its clinic server (real server, SIGKILLed midway)', { concurrency: 1 }, () => {
  before(async () => {
    assert.ok(SERVER_BIN, 'E2E_SERVER names the sync server binary (scripts/e2e.sh sets it)');
    rmSync(ROOT, { recursive: true, force: true });
    server = new SyncServer(join(ROOT, 'server'), await freePort());
    await server.start();
    b = await startApp({ args: ['--vault', join(ROOT, 'vault')] });
  });

  after(async () => {
    await stopApp(b);
    await server?.kill();
  });

  test('sync a. the admin enrolls the workstation with the code from the server; it syncs', async () => {
    await onboardAdmin(b, ADMIN);
    assert.equal(await waitForSyncState('not_enrolled'), 'Not connected');
    await press(b, 'Users');
    await fill(b, 'User name', RECEPTIONIST.name);
    await choose(b, 'Role', 'Receptionist');
    await press(b, 'Add user', 30_000);
    oneTime = await labelledText(b, 'One-time password');
    await press(b, 'Done');

    await press(b, 'Settings');
    await waitFor(b, '[data-testid="sync-server-settings"]', WAIT, 'Settings › Sync server');
    // A code pasted from an e-mail keeps its line breaks; the form strips them.
    const code = server.run(['enroll-token', 'create', '--name', 'Reception 1', '--code']);
    await fill(b, 'Enrollment code', `${code.slice(0, 20)}\n${code.slice(20)}`);
    await shot(b, 'sync-settings-code');
    await (await b.$('[data-testid="sync-enroll"]')).click();
    await waitFor(b, '[data-testid="sync-enrolled"]', 30_000, 'the enrolled workstation');
    assert.equal(await waitForSyncState('synced'), 'Synced');
    await shot(b, 'sync-settings-enrolled');

    await openDetails();
    assert.equal(await testIdText('sync-server'), server.url);
    assert.equal(await testIdText('sync-workstation'), 'Reception 1');
    await b.waitUntil(async () => (await testIdText('sync-events-waiting')) === '0', {
      timeout: 30_000,
      timeoutMsg: 'events still waiting after the sync',
    });
    await shot(b, 'sync-details-synced');
    await closeDetails();
    done.add('a');
  });

  test('sync b. the server is SIGKILLed; the admin works on, the receptionist adds a patient; the bar says offline and what waits', async () => {
    needs('a');
    await server.kill();
    await press(b, 'Users');
    await fill(b, 'User name', 'tomas.treatment');
    await choose(b, 'Role', 'Clinician');
    await press(b, 'Add user', 30_000);
    await labelledText(b, 'One-time password');
    await press(b, 'Done');
    await waitFor(b, 'tr[data-user="tomas.treatment"]', WAIT, 'the new user');

    await openDetails();
    await (await b.$('[data-testid="sync-now"]')).click();
    const words = await waitForSyncState('offline');
    assert.match(words, /^Offline · [1-9]\d* waiting$/);
    assert.ok(Number(await testIdText('sync-events-waiting')) > 0, 'the new events wait');
    assert.match(await testIdText('sync-last-error'), /could not be reached \(nothing answers at that address\)/);
    await shot(b, 'sync-details-offline');
    await closeDetails();
    await press(b, 'Lock');

    // The receptionist's first login and a new patient, all while the server is away.
    await firstLoginWith(b, RECEPTIONIST, oneTime);
    await addPatient(b, PATIENT);
    const waiting = await waitForSyncState('offline');
    assert.match(waiting, /^Offline · [1-9]\d* waiting$/);
    await shot(b, 'sync-offline-receptionist');
    done.add('b');
  });

  test('sync c. the server is back: the queue drains on its own, the server holds the chain up to the local head and no name', async () => {
    needs('b');
    await server.start();
    // No "Sync now": the worker's backoff brings it back.
    assert.equal(await waitForSyncState('synced', 90_000), 'Synced');
    await openDetails();
    await b.waitUntil(async () => (await testIdText('sync-events-waiting')) === '0', {
      timeout: 30_000,
      timeoutMsg: 'events still waiting after the server came back',
    });
    const head = Number((await testIdText('sync-local-head')).match(/^seq (\d+)/)[1]);
    assert.deepEqual(server.heads(), [head]);
    assert.match(await testIdText('sync-anchor'), new RegExp(`seq ${head}\\b`));
    await shot(b, 'sync-details-drained');
    await closeDetails();
    // The server holds digests: the patient's name is nowhere in its files.
    const { hits, scanned } = scanForTerms([server.dir], [PATIENT.given, PATIENT.family]);
    assert.ok(scanned > 0, 'the server wrote files');
    assert.deepEqual(hits, []);
    done.add('c');
  });
});
