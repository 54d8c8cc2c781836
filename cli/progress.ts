import { progressLine } from '../src/gates/safety/endpoint.ts';

/** Where progress goes, and how it is timed (a test injects both). */
export interface ProgressTarget {
  write(text: string): void;
  /** A terminal redraws one line; anything else (a CI log) gets whole lines, sparsely. */
  isTTY: boolean;
  now(): number;
}

const processTarget: ProgressTarget = {
  write: (text) => void process.stderr.write(text),
  isTTY: process.stderr.isTTY === true,
  now: Date.now,
};

// A terminal line is redrawn at most this often; a log gets a line at most this often.
const TTY_INTERVAL_MS = 100;
const LOG_INTERVAL_MS = 5000;

/**
 * A progress callback for long work (digesting a model, asking an endpoint),
 * always on stderr, never stdout: on a terminal one line redrawn in place,
 * in a CI log one line every few seconds. Work that ends within the first
 * interval prints nothing in a log.
 */
export function progressReporter(label: string, unit: 'bytes' | 'prompts', target: ProgressTarget = processTarget): (done: number, total: number) => void {
  const startedAt = target.now();
  let shownAt = startedAt;
  let finished = false;
  return (done, total) => {
    if (finished) return;
    const now = target.now();
    const complete = done >= total;
    if (target.isTTY) {
      if (!complete && now - shownAt < TTY_INTERVAL_MS) return;
      shownAt = now;
      target.write(`\r${label} ${progressLine(done, total, startedAt, now)}${unit === 'bytes' ? ' bytes' : ''}${complete ? '\n' : ''}`);
    } else {
      if (now - shownAt < LOG_INTERVAL_MS) return;
      shownAt = now;
      target.write(`${label}: ${done} of ${total} ${unit} (${total === 0 ? 100 : Math.floor((done / total) * 100)}%)\n`);
    }
    finished = complete;
  };
}
