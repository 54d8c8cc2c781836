// A clock for the canary's watch loop that moves only when the loop sleeps on
// it, recording each sleep asked for.
import type { Clock } from '../../src/gates/canary/index.ts';

/** A clock at `at` (ms) whose sleep moves it on by `jump(ms)` (default: exactly as asked). */
export function steppedClock(at: number, jump: (ms: number) => number = (ms) => ms): Clock & { slept: number[] } {
  let now = at;
  const slept: number[] = [];
  return { now: () => now, sleep: async (ms) => void (slept.push(ms), (now += jump(ms))), slept };
}
