import { betaQuantile, normalQuantile } from './special.ts';

/** A two-sided confidence interval. */
export interface Interval {
  low: number;
  high: number;
  level: number;
}

function checkCounts(successes: number, n: number, level: number): void {
  if (!Number.isInteger(successes) || !Number.isInteger(n) || n < 1 || successes < 0 || successes > n) {
    throw new RangeError(`need whole counts 0 <= successes <= n and n >= 1, got ${successes}/${n}`);
  }
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
}

/** Wilson score interval for a binomial proportion (no continuity correction; scipy's method='wilson'). */
export function wilsonInterval(successes: number, n: number, level = 0.95): Interval {
  checkCounts(successes, n, level);
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half), level };
}

/** Clopper-Pearson ("exact") interval for a binomial proportion, from beta quantiles. */
export function clopperPearsonInterval(successes: number, n: number, level = 0.95): Interval {
  checkCounts(successes, n, level);
  const alpha = 1 - level;
  const low = successes === 0 ? 0 : betaQuantile(alpha / 2, successes, n - successes + 1);
  const high = successes === n ? 1 : betaQuantile(1 - alpha / 2, successes + 1, n - successes);
  return { low, high, level };
}

/**
 * How many trials, all successes, show a rate of at least `rate` at the given
 * one-sided confidence: the smallest n whose Clopper-Pearson lower bound with
 * zero failures reaches the rate, n = ceil(ln(1 - confidence) / ln(rate)).
 * With `failures` allowed, the smallest n whose lower bound still reaches it.
 */
export function samplesNeeded(rate: number, confidence = 0.95, failures = 0): number {
  if (!(rate > 0 && rate < 1) || !(confidence > 0 && confidence < 1)) throw new RangeError('rate and confidence must be in (0, 1)');
  if (failures === 0) return Math.ceil(Math.log(1 - confidence) / Math.log(rate));
  const lowerBound = (n: number) => betaQuantile(1 - confidence, n - failures, failures + 1);
  let n = failures + 1;
  let step = 1;
  while (lowerBound(n + step) < rate) step *= 2;
  // Binary search between n + step/2 and n + step.
  let low = n + Math.floor(step / 2);
  let high = n + step;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (lowerBound(mid) >= rate) high = mid;
    else low = mid + 1;
  }
  n = low;
  return n;
}
