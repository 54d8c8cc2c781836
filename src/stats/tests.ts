import { normalCdf, normalQuantile } from './special.ts';
import type { Interval } from './intervals.ts';

/** Mann-Whitney U test (two-sided, normal approximation with tie correction and continuity correction, as scipy's method='asymptotic'). */
export function mannWhitneyU(x: ArrayLike<number>, y: ArrayLike<number>): { u: number; z: number; pValue: number } {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('Mann-Whitney U needs two non-empty samples');
  const all = [...Array.from(x, (value) => ({ value, group: 0 })), ...Array.from(y, (value) => ({ value, group: 1 }))].sort((a, b) => a.value - b.value);
  const n = n1 + n2;
  let rankSumX = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[j + 1]!.value === all[i]!.value) j++;
    const rank = (i + j) / 2 + 1;
    const count = j - i + 1;
    tieTerm += count ** 3 - count;
    for (let k = i; k <= j; k++) if (all[k]!.group === 0) rankSumX += rank;
    i = j + 1;
  }
  const u = rankSumX - (n1 * (n1 + 1)) / 2;
  const meanU = (n1 * n2) / 2;
  const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (sd === 0) return { u, z: 0, pValue: 1 };
  // scipy: z = (|U - mu| - 0.5) / sd, p = 2 * sf(z).
  const z = (Math.abs(u - meanU) - 0.5) / sd;
  return { u, z, pValue: Math.min(1, 2 * normalCdf(-z)) };
}

/**
 * Hodges-Lehmann estimate of the shift y - x (median of all pairwise
 * differences) with its distribution-free confidence interval from the
 * order statistics of those differences (normal approximation to U).
 */
export function hodgesLehmannShift(x: ArrayLike<number>, y: ArrayLike<number>, level = 0.95): { shift: number; ci: Interval } {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('Hodges-Lehmann needs two non-empty samples');
  const differences = new Float64Array(n1 * n2);
  let k = 0;
  for (let i = 0; i < n1; i++) for (let j = 0; j < n2; j++) differences[k++] = y[j]! - x[i]!;
  differences.sort();
  const m = differences.length;
  const shift = m % 2 === 1 ? differences[(m - 1) / 2]! : (differences[m / 2 - 1]! + differences[m / 2]!) / 2;
  const z = normalQuantile(1 - (1 - level) / 2);
  const c = Math.floor((n1 * n2) / 2 - z * Math.sqrt((n1 * n2 * (n1 + n2 + 1)) / 12));
  const lowIndex = Math.max(0, c);
  const highIndex = Math.min(m - 1, m - 1 - c);
  return { shift, ci: { low: differences[lowIndex]!, high: differences[highIndex]!, level } };
}

/** Cohen's d with the pooled standard deviation: (mean(y) - mean(x)) / s_pooled. */
export function cohensD(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const [mx, vx] = meanVariance(x);
  const [my, vy] = meanVariance(y);
  const pooled = Math.sqrt(((x.length - 1) * vx + (y.length - 1) * vy) / (x.length + y.length - 2));
  return pooled === 0 ? 0 : (my - mx) / pooled;
}

/**
 * Cohen's d_z for paired differences: mean(d) / sd(d). When every difference
 * is the same non-zero value the effect is unbounded (±Infinity, as numpy
 * gives); when every difference is 0 it is undefined (NaN).
 */
export function cohensDz(differences: ArrayLike<number>): number {
  const [m, v] = meanVariance(differences);
  if (v === 0) return m === 0 ? Number.NaN : m > 0 ? Infinity : -Infinity;
  return m / Math.sqrt(v);
}

// Mean and sample variance (n - 1), by Welford's method.
function meanVariance(values: ArrayLike<number>): [number, number] {
  if (values.length < 2) throw new RangeError('need at least two values');
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const delta = values[i]! - mean;
    mean += delta / (i + 1);
    m2 += delta * (values[i]! - mean);
  }
  return [mean, m2 / (values.length - 1)];
}

/** Benjamini-Hochberg adjusted p-values (q-values), in the input order (scipy's false_discovery_control). */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const adjusted = new Array<number>(m);
  let running = 1;
  for (let rank = m; rank >= 1; rank--) {
    const [p, index] = order[rank - 1]!;
    running = Math.min(running, (p * m) / rank);
    adjusted[index] = Math.min(1, running);
  }
  return adjusted;
}

/** Holm step-down adjusted p-values, in the input order. */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(([p, index], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[index] = running;
  });
  return adjusted;
}
