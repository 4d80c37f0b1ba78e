// The X11 desktop around the app window, for drag and drop the way a file manager does
// it: a GTK window offering a file (lib/dragsource.py), the real pointer moved with
// xdotool (XTEST: the X server sees a mouse), and where things are on the screen.
// Everything happens on the run's Xvfb display (DISPLAY set by xvfb-run); no window
// manager runs there, so windows sit where they ask and stack in the order they map.
import { execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Debian's python3, where python3-gi lives (a pyenv python3 on the PATH has no gi). */
const PYTHON = '/usr/bin/python3';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Fails with what to install when a tool of the OS drag is missing. */
export function requireDesktopTools() {
  const missing = [];
  if (!process.env.DISPLAY) missing.push('an X display (DISPLAY is unset: run under scripts/e2e.sh, which starts Xvfb)');
  try {
    execFileSync('xdotool', ['version'], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    missing.push('xdotool (Debian package xdotool)');
  }
  try {
    execFileSync(
      PYTHON,
      ['-c', 'import gi; gi.require_version("Gtk", "3.0"); gi.require_version("GdkX11", "3.0"); from gi.repository import Gtk, GdkX11'],
      { stdio: 'ignore', timeout: 20_000 },
    );
  } catch {
    missing.push(`GTK 3 for ${PYTHON} (Debian packages python3-gi and gir1.2-gtk-3.0)`);
  }
  if (missing.length) {
    throw new Error(
      `the OS drag and drop test needs ${missing.join(', ')}; scripts/e2e.sh installs the packages (E2E_DEB_PACKAGES in scripts/lib.sh)`,
    );
  }
}

/** The installed WebKitGTK's Debian version (for messages), or "(version unknown)". */
export function webkitVersion() {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', 'libwebkit2gtk-4.1-0'], { encoding: 'utf8' }).trim();
  } catch {
    return '(version unknown)';
  }
}

/** Saves the whole X screen (both windows, unlike WebDriver's page screenshot) as
 *  `name`.png beside the other screenshots; returns the file. */
export function screenshotDesktop(name) {
  const dir = process.env.E2E_SCREENSHOTS ?? join(process.env.E2E_REPO ?? '.', 'target/e2e-screenshots');
  const file = join(dir, `${name}.png`);
  execFileSync(PYTHON, [join(HERE, 'dragsource.py'), '--screenshot', file], { timeout: 30_000 });
  return file;
}

/** Runs xdotool with `args`, returns its output. */
export function xdotool(...args) {
  return execFileSync('xdotool', args.map(String), { encoding: 'utf8', timeout: 10_000 }).trim();
}

/** The XID of the visible window named exactly `name`, waiting for it to appear. */
export async function findWindow(name, timeout = 15_000) {
  const until = Date.now() + timeout;
  for (;;) {
    try {
      const ids = xdotool('search', '--onlyvisible', '--name', `^${name}$`).split(/\s+/).filter(Boolean);
      if (ids.length) return Number(ids[ids.length - 1]);
    } catch {
      // xdotool search exits 1 when nothing matches yet.
    }
    if (Date.now() > until) throw new Error(`no visible X window named "${name}"`);
    await sleep(200);
  }
}

/** Where a window is on the screen and its size: {x, y, width, height}. */
export function windowGeometry(xid) {
  const out = xdotool('getwindowgeometry', '--shell', xid);
  const v = Object.fromEntries(out.split('\n').map((l) => l.split('=')));
  return { x: Number(v.X), y: Number(v.Y), width: Number(v.WIDTH), height: Number(v.HEIGHT) };
}

/** Moves the real pointer to (x, y) on the screen. */
export function pointerTo(x, y) {
  xdotool('mousemove', Math.round(x), Math.round(y));
}

/** The pointer's position on the screen. */
export function pointerAt() {
  const v = Object.fromEntries(xdotool('getmouselocation', '--shell').split('\n').map((l) => l.split('=')));
  return { x: Number(v.X), y: Number(v.Y) };
}

/**
 * Starts the drag source: a GTK window at (x, y) offering `file` as text/uri-list.
 * Resolves once it is mapped, with its rectangle, the events it reported so far and
 * `waitFor(event)`; `stop()` ends the process.
 */
export async function startDragSource(file, x, y, timeout = 30_000) {
  const proc = spawn(PYTHON, [join(HERE, 'dragsource.py'), file, String(x), String(y)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events = [];
  const waiters = [];
  let stderr = '';
  let buffered = '';
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (chunk) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (!line) continue;
      let ev;
      try {
        ev = JSON.parse(line);
      } catch {
        continue;
      }
      ev.at = Date.now();
      events.push(ev);
      for (const w of [...waiters]) w();
    }
  });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  let exited = null;
  proc.on('exit', (code, signal) => {
    exited = { code, signal };
    for (const w of [...waiters]) w();
  });

  /** The first event named `name` after index `from` (or null when `timeout` passes). */
  const waitFor = (name, ms = 10_000, from = 0) =>
    new Promise((resolve) => {
      const check = () => {
        const ev = events.slice(from).find((e) => e.event === name);
        if (ev || exited) {
          waiters.splice(waiters.indexOf(check), 1);
          clearTimeout(timer);
          resolve(ev ?? null);
        }
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(check), 1);
        resolve(null);
      }, ms);
      waiters.push(check);
      check();
    });

  const ready = await waitFor('ready', timeout);
  if (!ready) {
    proc.kill();
    throw new Error(
      `the drag source window did not come up${exited ? ` (exited ${JSON.stringify(exited)})` : ''}: ${stderr.trim()}`,
    );
  }
  return {
    rect: { x: ready.x, y: ready.y, width: ready.width, height: ready.height },
    xid: ready.xid,
    events,
    waitFor,
    stderr: () => stderr,
    stop: async () => {
      if (exited) return;
      proc.kill();
      for (let i = 0; i < 50 && !exited; i++) await sleep(100);
      if (!exited) proc.kill('SIGKILL');
    },
  };
}

/**
 * A drag with the real pointer: press at `from`, move to `to` in `steps` steps (GTK
 * starts a drag after a few pixels of motion with the button down), then call
 * `whileHeld()` with the button still down (the caller waits there for the target to
 * answer, nudging the pointer with `wiggle()`), then release, unless `whileHeld`
 * resolves to false (the gesture is then cancelled with Escape before the release).
 */
export async function dragWithPointer(from, to, whileHeld, { steps = 24, stepMs = 40 } = {}) {
  pointerTo(from.x, from.y);
  await sleep(150);
  xdotool('mousedown', 1);
  await sleep(150);
  try {
    for (let i = 1; i <= steps; i++) {
      const t = i / steps;
      pointerTo(from.x + (to.x - from.x) * t, from.y + (to.y - from.y) * t);
      await sleep(stepMs);
    }
    let n = 0;
    const wiggle = () => {
      n += 1;
      pointerTo(to.x + (n % 2 ? 2 : -2), to.y);
      pointerTo(to.x, to.y);
    };
    const release = await whileHeld(wiggle);
    if (release === false) xdotool('key', 'Escape');
  } finally {
    xdotool('mouseup', 1);
  }
}
