// The world around the app: mocked logind on the private system bus, the app's
// processes, and the scan of everything written under the run's temporary root.
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

const LOGIND = 'org.freedesktop.login1';

function gdbus(path, method, ...args) {
  return execFileSync(
    'gdbus',
    ['call', '--system', '--dest', LOGIND, '--object-path', path, '--method', method, ...args],
    { encoding: 'utf8', timeout: 10_000 },
  );
}

/** logind's session object for this desktop (what GetSessionByPID answers for the app). */
export const OWN_SESSION = process.env.E2E_LOGIND_SESSION ?? '/org/freedesktop/login1/session/e2e';
/** Another user's session on the same seat. */
export const OTHER_SESSION =
  process.env.E2E_LOGIND_OTHER_SESSION ?? '/org/freedesktop/login1/session/other';

/** What `loginctl lock-session` does: logind emits Session.Lock on that session. */
export function lockSession(path = OWN_SESSION) {
  gdbus(path, 'org.freedesktop.login1.Session.Lock');
}

/** logind's Manager.PrepareForSleep(start): true before suspend, false after resume. */
export function prepareForSleep(start) {
  gdbus(
    '/org/freedesktop/login1',
    'org.freedesktop.DBus.Mock.EmitSignal',
    'org.freedesktop.login1.Manager',
    'PrepareForSleep',
    'b',
    `[<${start ? 'true' : 'false'}>]`,
  );
}

// ------------------------------------------------------------------ processes

function readProc(pid, file) {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}

function allPids() {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
}

function ppidOf(pid) {
  const stat = readProc(pid, 'stat');
  if (!stat) return null;
  // pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function exeOf(pid) {
  try {
    // A binary replaced on disk while running reads as "<path> (deleted)".
    return readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    return null;
  }
}

/** PIDs of running processes whose executable is `exe`. */
export function pidsOfExe(exe) {
  let real = exe;
  try {
    real = realpathSync(exe);
  } catch {
    // Compare the path as given.
  }
  return allPids().filter((pid) => exeOf(pid) === real);
}

/** `pid` and all its descendants. */
export function processTree(pid) {
  const children = new Map();
  for (const p of allPids()) {
    const pp = ppidOf(p);
    if (pp === null) continue;
    if (!children.has(pp)) children.set(pp, []);
    children.get(pp).push(p);
  }
  const out = [];
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

/** Resident memory of one process in KiB (VmRSS), 0 when gone. */
export function rssKiB(pid) {
  const status = readProc(pid, 'status');
  const m = status && status.match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) : 0;
}

/** The short command name of a process. */
export function commOf(pid) {
  return (readProc(pid, 'comm') ?? '').trim();
}

/** Waits until no process runs `exe` (the app closed by the driver). */
export async function waitForExit(exe, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (pidsOfExe(exe).length === 0) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return pidsOfExe(exe).length === 0;
}

// ------------------------------------------------------------------ PHI scan

/** Every regular file under `dir` (symlinks not followed; sockets and fifos skipped). */
export function filesUnder(dir) {
  const out = [];
  const walk = (d) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** The byte patterns a text could be stored as: UTF-8 and UTF-16LE, as typed, lower and
 *  upper case. */
export function needles(terms) {
  const out = [];
  for (const term of terms) {
    for (const variant of new Set([term, term.toLowerCase(), term.toUpperCase()])) {
      out.push({ term, encoding: 'utf8', bytes: Buffer.from(variant, 'utf8') });
      out.push({ term, encoding: 'utf16le', bytes: Buffer.from(variant, 'utf16le') });
    }
  }
  return out;
}

/** Files under `dirs` holding any of `terms`: [{file, term, encoding}] (never the bytes). */
export function scanForTerms(dirs, terms) {
  const patterns = needles(terms);
  const hits = [];
  let scanned = 0;
  let bytes = 0;
  for (const dir of dirs) {
    for (const file of filesUnder(dir)) {
      let data;
      try {
        if (lstatSync(file).size > 512 * 1024 * 1024) continue;
        data = readFileSync(file);
      } catch {
        continue;
      }
      scanned += 1;
      bytes += data.length;
      for (const n of patterns) {
        if (data.indexOf(n.bytes) >= 0) hits.push({ file, term: n.term, encoding: n.encoding });
      }
    }
  }
  return { hits, scanned, bytes };
}
