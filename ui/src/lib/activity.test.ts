import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearMocks } from '@tauri-apps/api/mocks';
import { ACTIVITY_EVENTS, throttle, watchActivity } from './activity';
import { reportActivity } from './ipc';
import { installIpc, named } from '../testing/ipcMock';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  clearMocks();
});

describe('throttle', () => {
  it('calls at once, then at most once per interval', () => {
    const fn = vi.fn();
    const t = throttle(fn, 2000);
    t();
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(500);
    t();
    vi.advanceTimersByTime(1499);
    t();
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    t();
    expect(fn).toHaveBeenCalledTimes(2);
    t();
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('does not call later on its own (no trailing call)', () => {
    const fn = vi.fn();
    const t = throttle(fn, 2000);
    t();
    t();
    vi.advanceTimersByTime(10_000);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});

describe('watchActivity', () => {
  it('reports each kind of input, throttled to once per 2 s', () => {
    const report = vi.fn();
    const stop = watchActivity(window, report);
    for (const name of ACTIVITY_EVENTS) window.dispatchEvent(new Event(name));
    expect(report).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(2000);
    window.dispatchEvent(new Event('pointermove'));
    window.dispatchEvent(new Event('keydown'));
    expect(report).toHaveBeenCalledTimes(2);
    stop();
  });

  it('counts every listed event kind', () => {
    for (const name of ACTIVITY_EVENTS) {
      const report = vi.fn();
      const stop = watchActivity(window, report);
      window.dispatchEvent(new Event(name));
      expect(report, name).toHaveBeenCalledTimes(1);
      stop();
    }
  });

  it('listens in the capture phase, so inputs that stop propagation still count', () => {
    const report = vi.fn();
    const stop = watchActivity(window, report);
    const child = document.createElement('div');
    document.body.append(child);
    child.addEventListener('keydown', (e) => e.stopPropagation());
    child.dispatchEvent(new Event('keydown', { bubbles: true }));
    expect(report).toHaveBeenCalledTimes(1);
    child.remove();
    stop();
  });

  it('stops listening when stopped', () => {
    const report = vi.fn();
    const stop = watchActivity(window, report);
    stop();
    window.dispatchEvent(new Event('keydown'));
    expect(report).not.toHaveBeenCalled();
  });

  it('calls report_activity through IPC and swallows a rejection', async () => {
    const calls = installIpc({
      report_activity: () => {
        throw { code: 'locked', message: 'The vault is locked.' };
      },
    });
    const stop = watchActivity(window, reportActivity);
    window.dispatchEvent(new Event('wheel'));
    await vi.advanceTimersByTimeAsync(0);
    vi.advanceTimersByTime(1999);
    window.dispatchEvent(new Event('wheel'));
    vi.advanceTimersByTime(1);
    window.dispatchEvent(new Event('scroll'));
    await vi.advanceTimersByTimeAsync(0);
    expect(named(calls, 'report_activity')).toHaveLength(2);
    stop();
  });
});
