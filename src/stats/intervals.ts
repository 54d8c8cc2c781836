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

/**
 * Newcombe's hybrid score interval for the difference p1 - p2 of two
 * independent proportions (method 10 of Newcombe 1998; statsmodels'
 * confint_proportions_2indep method='newcomb'): Wilson limits of each
 * proportion combined by the square-and-add rule. Always contains x1/n1 - x2/n2.
 */
export function newcombeInterval(x1: number, n1: number, x2: number, n2: number, level = 0.95): Interval {
  const first = wilsonInterval(x1, n1, level);
  const second = wilsonInterval(x2, n2, level);
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const difference = p1 - p2;
  return {
    low: difference - Math.hypot(p1 - first.low, second.high - p2),
    high: difference + Math.hypot(first.high - p1, p2 - second.low),
    level,
  };
}

/**
 * Koopman's asymptotic score interval for the ratio p1 / p2 of two independent
 * proportions (Miettinen-Nurminen's score without their n/(n-1) correction;
 * statsmodels' confint_proportions_2indep compare='ratio', method='score',
 * correction=False), found by bisection on the score statistic in log ratio.
 * Contains the estimate; low is 0 when x1 = 0 and high is Infinity when x2 = 0.
 */
export function koopmanRatioInterval(x1: number, n1: number, x2: number, n2: number, level = 0.95): Interval {
  checkCounts(x1, n1, level);
  checkCounts(x2, n2, level);
  const z2 = normalQuantile(1 - (1 - level) / 2) ** 2;
  if (x1 === 0 && x2 === 0) return { low: 0, high: Infinity, level };
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const total = n1 + n2;
  // The score statistic at ratio theta, with both proportions at their maximum likelihood under p1 = theta p2.
  const statistic = (theta: number): number => {
    const a = total * theta;
    const b = -(n1 * theta + x1 + n2 + x2 * theta);
    const c = x1 + x2;
    const q2 = (-b - Math.sqrt(Math.max(0, b * b - 4 * a * c))) / (2 * a);
    const q1 = theta * q2;
    const variance = (q1 * (1 - q1)) / n1 + (theta * theta * q2 * (1 - q2)) / n2;
    const numerator = (p1 - theta * p2) ** 2;
    return variance <= 0 ? (numerator === 0 ? 0 : Infinity) : numerator / variance;
  };
  // The limit on one side of the estimate: the log ratio where the statistic crosses z^2.
  const limit = (from: number, direction: 1 | -1): number => {
    let inside = Math.log(from);
    let step = 0.5;
    let outside = inside + direction * step;
    while (statistic(Math.exp(outside)) <= z2) {
      inside = outside;
      step *= 2;
      outside = inside + direction * step;
      if (Math.abs(outside) > 700) return direction === 1 ? Infinity : 0;
    }
    for (let i = 0; i < 200 && Math.abs(outside - inside) > 1e-13; i++) {
      const middle = (inside + outside) / 2;
      if (statistic(Math.exp(middle)) <= z2) inside = middle;
      else outside = middle;
    }
    return Math.exp((inside + outside) / 2);
  };
  // With no successes on one side the estimate sits on the boundary: start the search
  // from a ratio whose statistic is about 0.001, inside any interval.
  if (x1 === 0) return { low: 0, high: limit(0.001 / n1 / p2, 1), level };
  if (x2 === 0) return { low: limit((p1 * n2) / 0.001, -1), high: Infinity, level };
  const estimate = p1 / p2;
  return { low: limit(estimate, -1), high: limit(estimate, 1), level };
}
