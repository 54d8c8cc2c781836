#!/usr/bin/env python3
"""Golden Mann-Whitney U and Hodges-Lehmann values at canary sizes, from scipy and numpy.

Writes test/fixtures/golden/canary-rank.json: per-step samples of a baseline
arm x and a canary arm y as a canary analysis sees them (15-second steps, 120
to 5760 per arm, and unequal arms), with heavy ties:
  - latency_ms: lognormal latencies rounded to whole milliseconds;
  - error_rate: per-step error ratios errors/requests, mostly 0;
  - histogram_p99, histogram_p50: per-step quantiles estimated from bucket
    counts as Prometheus's histogram_quantile does (linear interpolation
    within fixed bucket bounds), so they take few distinct levels;
  - no-change and all-zero arms, and small arms (n1 + n2 <= 60) whose
    interval uses the exact null distribution.

Expected values, for each case:
  - u_canary, p: scipy.stats.mannwhitneyu(y, x, alternative="two-sided",
    method="asymptotic", use_continuity=True). scipy's U is that of its first
    argument, here the canary y: the pairs with y above x plus half the ties.
    gatehouse's mannWhitneyU(x, y).u is the baseline's, n1*n2 - u_canary; the
    two-sided p is the same either way.
  - shift: the Hodges-Lehmann estimate of y - x, numpy's median of all
    n1*n2 differences y[j] - x[i].
  - intervals: for each level, the cutoff c and the order statistics
    D[c] and D[m-1-c] (0-based, of the sorted differences, m = n1*n2), or
    null bounds when c < 0 (no order statistic reaches the level). c is the
    largest with P(U <= c) <= (1 - level)/2 under the null distribution of U
    without ties: for n1 + n2 <= 60 the exact one, from scipy's exact
    Mann-Whitney p-values (checked against a count of arrangements done here);
    above, the normal approximation with continuity correction,
    P(U <= c) ~ Phi((c + 0.5 - n1*n2/2) / sigma), sigma^2 = n1*n2*(n1+n2+1)/12,
    so c = floor(n1*n2/2 - 0.5 - z_{1-alpha} * sigma).

Run from the repository root inside the project virtualenv (about a minute;
the largest case forms 33 million differences):
    .venv/bin/python scripts/golden/canary_rank.py
"""

import importlib.metadata
import json
import math
import pathlib
from fractions import Fraction

import numpy as np
from scipy import stats

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "test" / "fixtures" / "golden" / "canary-rank.json"
rng = np.random.default_rng(20261201)

LEVELS = [0.95, 0.99, 1 - 2 * 0.001]
EXACT_LIMIT = 60
# Prometheus's default histogram buckets, in seconds (the last is +Inf).
BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]


def latency_ms(n, median_ms, sigma=0.35):
    return np.round(rng.lognormal(np.log(median_ms), sigma, n))


def error_rate(n, p, requests_per_step=40):
    requests = rng.poisson(requests_per_step, n)
    errors = rng.binomial(requests, p)
    # A step without requests has no errors to report: 0, as a rate() of 0/0 filled with 0.
    return np.where(requests > 0, errors / np.maximum(requests, 1), 0.0)


def histogram_quantile(q, upper_bounds, counts):
    # Prometheus's histogram_quantile: the rank q*total is found in the
    # cumulative counts and interpolated linearly within its bucket (from 0
    # for the first bucket); a rank in the +Inf bucket gives the largest
    # finite bound.
    cumulative = np.cumsum(counts)
    total = cumulative[-1]
    assert total > 0, "a step without requests has no quantile"
    rank = q * total
    b = int(np.searchsorted(cumulative, rank, side="left"))
    if b == len(upper_bounds):
        return float(upper_bounds[-1])
    lower = 0.0 if b == 0 else upper_bounds[b - 1]
    before = 0.0 if b == 0 else cumulative[b - 1]
    in_bucket = counts[b]
    return float(lower + (upper_bounds[b] - lower) * (rank - before) / in_bucket)


def histogram_quantiles(n, q, median_s, sigma=0.6, requests_per_step=30):
    values = np.empty(n)
    for step in range(n):
        latencies = rng.lognormal(np.log(median_s), sigma, rng.poisson(requests_per_step))
        counts = np.bincount(np.searchsorted(BUCKETS, latencies, side="left"), minlength=len(BUCKETS) + 1)
        values[step] = histogram_quantile(q, BUCKETS, counts)
    return values


def null_counts(n1, n2):
    # Arrangements of n1 x's and n2 y's (no ties) by U = #(x above y), by the
    # recurrence on whether the largest value is an x (it is above all n2 y's)
    # or a y; exact integers.
    table = {(0, j): [1] for j in range(n2 + 1)}
    for i in range(1, n1 + 1):
        table[(i, 0)] = [1]
        for j in range(1, n2 + 1):
            size = i * j + 1
            counts = [0] * size
            for u, count in enumerate(table[(i - 1, j)]):
                counts[u + j] += count
            for u, count in enumerate(table[(i, j - 1)]):
                counts[u] += count
            table[(i, j)] = counts
    return table[(n1, n2)]


def tie_free_with_u(n1, n2, u):
    # Samples without ties whose x-statistic is u: y = 0..n2-1, and each x
    # placed above as many y's as are still owed.
    y = np.arange(n2, dtype=float)
    above = []
    for i in range(n1):
        take = min(n2, u - sum(above))
        above.append(take)
    x = np.array([a - 0.5 + 0.001 * (i + 1) for i, a in enumerate(above)])
    return x, y


def exact_cutoff(n1, n2, level):
    alpha = (1 - level) / 2
    counts = null_counts(n1, n2)
    total = sum(counts)
    c = -1
    running = 0
    for u in range(n1 * n2 + 1):
        # scipy: P(U_x <= u) is the exact p-value of x against "x is smaller".
        x, y = tie_free_with_u(n1, n2, u)
        p = stats.mannwhitneyu(x, y, alternative="less", method="exact").pvalue
        running += counts[u]
        exact = Fraction(running, total)
        assert abs(float(exact) - p) <= 1e-12 * max(p, 1e-300) + 1e-15, (n1, n2, u, float(exact), p)
        if exact > Fraction(alpha) or p > alpha:
            assert exact > Fraction(alpha) and p > alpha, ("scipy and the count disagree at the cutoff", n1, n2, level, u)
            break
        c = u
    return c


def normal_cutoff(n1, n2, level):
    alpha = (1 - level) / 2
    z = stats.norm.ppf(1 - alpha)
    value = n1 * n2 / 2 - 0.5 - z * math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12)
    # Keep the floor away from rounding: a case this close would compare implementations' last bits.
    assert abs(value - round(value)) > 1e-6, (n1, n2, level, value)
    return math.floor(value)


def case(kind, x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n1, n2 = len(x), len(y)
    m = n1 * n2
    test = stats.mannwhitneyu(y, x, alternative="two-sided", method="asymptotic", use_continuity=True)
    differences = np.subtract.outer(y, x).ravel()
    shift = float(np.median(differences))
    cutoffs = [exact_cutoff(n1, n2, level) if n1 + n2 <= EXACT_LIMIT else normal_cutoff(n1, n2, level) for level in LEVELS]
    wanted = sorted({k for c in cutoffs if c >= 0 for k in (c, m - 1 - c)})
    if wanted:
        differences.partition(wanted)
    intervals = []
    for level, c in zip(LEVELS, cutoffs):
        low, high = (None, None) if c < 0 else (float(differences[c]), float(differences[m - 1 - c]))
        intervals.append({"level": level, "c": c, "low": low, "high": high})
    print(f"{kind}: {n1} x {n2}, {len(np.unique(x))} and {len(np.unique(y))} distinct values, {np.mean(x == 0):.0%} and {np.mean(y == 0):.0%} zeros, p = {test.pvalue:.3g}")
    return {
        "kind": kind,
        "n1": n1,
        "n2": n2,
        "x": x.tolist(),
        "y": y.tolist(),
        "u_canary": float(test.statistic),
        "p": float(test.pvalue),
        "shift": shift,
        "intervals": intervals,
    }


def cases():
    out = []
    for n in (120, 480, 1440, 5760):
        out.append(case("latency_ms", latency_ms(n, 120), latency_ms(n, 123)))
        out.append(case("error_rate", error_rate(n, 0.004), error_rate(n, 0.006)))
        out.append(case("histogram_p99", histogram_quantiles(n, 0.99, 0.08), histogram_quantiles(n, 0.99, 0.085)))
    out.append(case("histogram_p50", histogram_quantiles(1440, 0.5, 0.08), histogram_quantiles(1440, 0.5, 0.082)))
    # Unequal arms: a small canary beside a full day of baseline, and the reverse.
    out.append(case("latency_ms", latency_ms(6000, 120), latency_ms(100, 126)))
    out.append(case("error_rate", error_rate(5760, 0.004), error_rate(4000, 0.004)))
    out.append(case("histogram_p99", histogram_quantiles(480, 0.99, 0.08), histogram_quantiles(1440, 0.99, 0.08)))
    out.append(case("histogram_p99", histogram_quantiles(1440, 0.99, 0.08), histogram_quantiles(120, 0.99, 0.09)))
    # No change at all, and nothing but zeros (no variance: p is 1).
    out.append(case("latency_ms", latency_ms(1440, 120), latency_ms(1440, 120)))
    out.append(case("all_zero", np.zeros(480), np.zeros(480)))
    # Small arms: the exact null distribution decides the cutoff.
    for n1, n2 in ((3, 4), (5, 7), (10, 12), (20, 20), (25, 35), (8, 52)):
        out.append(case("latency_ms", latency_ms(n1, 120, 0.2), latency_ms(n2, 125, 0.2)))
    return out


def main():
    all_cases = cases()
    generator = f"scipy {importlib.metadata.version('scipy')}, numpy {importlib.metadata.version('numpy')} via scripts/golden/canary_rank.py"
    # One case per line: the samples are long, and a case reads best whole.
    lines = ",\n".join("  " + json.dumps(c, separators=(",", ":")) for c in all_cases)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(f'{{\n "generator": {json.dumps(generator)},\n "levels": {json.dumps(LEVELS)},\n "cases": [\n{lines}\n ]\n}}\n')
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
