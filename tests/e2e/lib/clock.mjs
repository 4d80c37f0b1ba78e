// The app's test clock: decimal microseconds since the epoch in the file named by
// CLINICVAULT_TEST_CLOCK_FILE, read by the app at every call. Written atomically (the
// app must never see a half-written file).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

const FILE = process.env.CLINICVAULT_TEST_CLOCK_FILE;

export function nowUs() {
  return BigInt(readFileSync(FILE, 'utf8').trim());
}

export function nowSecs() {
  return Number(nowUs() / 1_000_000n);
}

export function setUs(us) {
  const tmp = `${FILE}.tmp`;
  writeFileSync(tmp, `${us}\n`);
  renameSync(tmp, FILE);
}

/** Moves the app's time forward by `secs` seconds. */
export function advance(secs) {
  setUs(nowUs() + BigInt(Math.round(secs * 1_000_000)));
}

/** Moves time to the start of the next 30-s TOTP step (+1 s), so a fresh code is valid. */
export function nextTotpStep() {
  const s = nowSecs();
  setUs(BigInt((Math.floor(s / 30) + 1) * 30 + 1) * 1_000_000n);
}
