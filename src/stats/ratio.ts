// The relative change between two models' run-level figures (throughput,
// peak memory): independent runs of each model, a handful of them.
import type { DifferenceEvidence } from './paired.ts';
import { normalQuantile, studentTCdf, studentTQuantile } from './special.ts';

/** Why run figures cannot give an interval. */
export type RunEvidenceProblem = 'too-few-runs' | 'no-variation';

/**
 * Welch's t-interval on log run figures, reported on the relative scale:
 * the ratio of the candidate's and the baseline's geometric means over runs,
 * minus 1, with Welch-Satterthwaite degrees of freedom. Runs are independent
 * (not paired). With 2 runs of each model the t quantile has about 2 degrees
 * of freedom (4.3 at 95%), so only very repeatable runs decide; see
 * runsNeeded for how many would. Needs at least two runs of each model and
 * some variation between runs.
 */
export function logRatioEvidence(candidate: readonly number[], baseline: readonly number[]): DifferenceEvidence | RunEvidenceProblem {
  if (candidate.length < 2 || baseline.length < 2) return 'too-few-runs';
  if ([...candidate, ...baseline].some((value) => !(value > 0) || !Number.isFinite(value))) throw new RangeError('run figures must be positive numbers');
  const c = logMoments(candidate);
  const b = logMoments(baseline);
  const vc = c.variance / candidate.length;
  const vb = b.variance / baseline.length;
  const standardError = Math.sqrt(vc + vb);
  if (!(standardError > 0)) return 'no-variation';
  const df = (vc + vb) ** 2 / (vc ** 2 / (candidate.length - 1) + vb ** 2 / (baseline.length - 1));
  const logRatio = c.mean - b.mean;
  const t = (margin: number) => (logRatio - Math.log1p(margin)) / standardError;
  return {
    method: 'welch-log-t',
    estimate: Math.expm1(logRatio),
    interval(level: number) {
      if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
      const half = studentTQuantile(1 - (1 - level) / 2, df) * standardError;
      return { low: Math.expm1(logRatio - half), high: Math.expm1(logRatio + half), level };
    },
    pAbove: (margin: number) => (margin <= -1 ? 0 : studentTCdf(-t(margin), df)),
    pBelow: (margin: number) => (margin <= -1 ? 1 : studentTCdf(t(margin), df)),
  };
}

/** The geometric mean of positive figures. */
export function geometricMean(values: readonly number[]): number {
  return Math.exp(logMoments(values).mean);
}

/**
 * How many runs of each model would make the Welch log-ratio interval
 * decisive at the run-to-run variation observed, if the relative change were
 * what was observed: the smallest k whose interval half-width is below the
 * distance between the observed change and the margin (both on the log
 * scale). Null when no number of runs would (the change sits on the margin)
 * or the observed runs give no variance to plan with, or more than `limit` runs would be needed.
 */
export function runsNeeded(candidate: readonly number[], baseline: readonly number[], margin: number, level: number, limit = 1000): number | null {
  if (candidate.length < 2 || baseline.length < 2 || !(margin > -1)) return null;
  const sc = logMoments(candidate).variance;
  const sb = logMoments(baseline).variance;
  if (!(sc + sb > 0)) return null;
  const gap = Math.abs(logMoments(candidate).mean - logMoments(baseline).mean - Math.log1p(margin));
  // t quantiles exceed the normal one: if even z misses at the limit, no k reaches it.
  if (!(gap > 0) || normalQuantile(1 - (1 - level) / 2) * Math.sqrt((sc + sb) / limit) >= gap) return null;
  // The half-width shrinks as k grows: binary search for the first k that decides.
  const decides = (k: number) => studentTQuantile(1 - (1 - level) / 2, (sc + sb) ** 2 / ((sc ** 2 + sb ** 2) / (k - 1))) * Math.sqrt((sc + sb) / k) < gap;
  let low = 2;
  let high = limit;
  if (!decides(high)) return null;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (decides(mid)) high = mid;
    else low = mid + 1;
  }
  return low;
}

function logMoments(values: readonly number[]): { mean: number; variance: number } {
  let mean = 0;
  let m2 = 0;
  values.forEach((value, i) => {
    const x = Math.log(value);
    const delta = x - mean;
    mean += delta / (i + 1);
    m2 += delta * (x - mean);
  });
  return { mean, variance: values.length > 1 ? m2 / (values.length - 1) : 0 };
}
