// The app's test clock: the file named by CLINICVAULT_TEST_CLOCK_FILE, read by the app at
// every call. It holds `WALL_US [ELAPSED_US]` (decimal microseconds): wall-clock time since
// the epoch, and the elapsed time the idle and session timers measure (the app's
// monotonic clock; with one number it follows the wall clock). Written atomically (the
// app must never see a half-written file).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

const FILE = process.env.CLINICVAULT_TEST_CLOCK_FILE;

function read() {
  const [wall, elapsed] = readFileSync(FILE, 'utf8').trim().split(/\s+/).map(BigInt);
  return { wall, elapsed: elapsed ?? wall };
}

function write({ wall, elapsed }) {
  const tmp = `${FILE}.tmp`;
  writeFileSync(tmp, `${wall} ${elapsed}\n`);
  renameSync(tmp, FILE);
}

const micros = (secs) => BigInt(Math.round(secs * 1_000_000));

export function nowUs() {
  return read().wall;
}

export function nowSecs() {
  return Number(nowUs() / 1_000_000n);
}

/** Moves the app's time forward by `secs` seconds (wall clock and elapsed time). */
export function advance(secs) {
  const t = read();
  write({ wall: t.wall + micros(secs), elapsed: t.elapsed + micros(secs) });
}

/** Moves only the wall clock (negative: set back), as someone changing the PC's time
 *  would; elapsed time stays. */
export function shiftWallClock(secs) {
  const t = read();
  write({ wall: t.wall + micros(secs), elapsed: t.elapsed });
}

/** Moves time to the start of the next 30-s TOTP step (+1 s), so a fresh code is valid. */
export function nextTotpStep() {
  const s = nowSecs();
  advance((Math.floor(s / 30) + 1) * 30 + 1 - s);
}
