#!/usr/bin/env python3
"""Golden values for gatehouse's statistics from scipy, numpy and statsmodels.

Writes test/fixtures/golden/stats.json. The TypeScript implementations in
src/stats/ are compared against it with the tolerances stated there.

Run from the repository root inside the project virtualenv:
    .venv/bin/python scripts/golden/stats.py
"""

import importlib.metadata
import json
import pathlib

import numpy as np
from scipy import optimize, stats
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import proportion_confint

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "test" / "fixtures" / "golden" / "stats.json"
rng = np.random.default_rng(20261122)


def wilson_and_exact():
    cases = []
    for k, n in [(0, 10), (1, 10), (5, 10), (10, 10), (95, 100), (990, 1000), (499, 500), (3, 7), (0, 1), (1, 1)]:
        for level in (0.9, 0.95, 0.99):
            test = stats.binomtest(k, n)
            wilson = test.proportion_ci(confidence_level=level, method="wilson")
            exact = test.proportion_ci(confidence_level=level, method="exact")
            cases.append({"k": k, "n": n, "level": level, "wilson": [wilson.low, wilson.high], "exact": [exact.low, exact.high]})
    return cases


def normal_quantiles():
    ps = [1e-12, 1e-6, 0.001, 0.025, 0.05, 0.3, 0.5, 0.7, 0.95, 0.975, 0.999, 1 - 1e-9]
    return [{"p": p, "ppf": stats.norm.ppf(p), "cdf_of_ppf": stats.norm.cdf(stats.norm.ppf(p))} for p in ps]


def beta_quantiles():
    return [{"p": p, "a": a, "b": b, "ppf": stats.beta.ppf(p, a, b)} for p, a, b in [(0.025, 1, 10), (0.975, 3, 2), (0.5, 0.5, 0.5), (0.05, 990, 11), (0.001, 2, 200)]]


def mann_whitney():
    cases = []
    samples = [
        (rng.normal(0, 1, 30), rng.normal(0.5, 1, 40)),
        (rng.integers(0, 5, 50).astype(float), rng.integers(1, 6, 45).astype(float)),  # many ties
        (rng.exponential(1.0, 200), rng.exponential(1.2, 180)),
        (np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])),
    ]
    for x, y in samples:
        result = stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True)
        diffs = np.subtract.outer(y, x).ravel()
        cases.append({"x": x.tolist(), "y": y.tolist(), "u": float(result.statistic), "p": float(result.pvalue), "hodges_lehmann": float(np.median(diffs))})
    return cases


def effect_sizes():
    x = rng.normal(10, 2, 60)
    y = rng.normal(10.8, 2.5, 75)
    d = rng.normal(0.3, 1.1, 90)
    pooled = np.sqrt(((len(x) - 1) * x.var(ddof=1) + (len(y) - 1) * y.var(ddof=1)) / (len(x) + len(y) - 2))
    return {"x": x.tolist(), "y": y.tolist(), "cohens_d": float((y.mean() - x.mean()) / pooled), "differences": d.tolist(), "cohens_dz": float(d.mean() / d.std(ddof=1))}


def multiple_testing():
    ps = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216, 0.222, 0.251, 0.269, 0.275, 0.34, 0.341, 0.384, 0.569, 0.594, 0.696, 0.762, 0.94, 0.942, 0.975, 0.986]
    shuffled = list(rng.permutation(ps))
    bh = stats.false_discovery_control(shuffled, method="bh")
    order = np.argsort(shuffled)
    m = len(shuffled)
    holm = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * shuffled[index]))
        holm[index] = running
    return {"p": [float(p) for p in shuffled], "bh": bh.tolist(), "holm": holm.tolist()}


def percentiles():
    values = rng.normal(100, 15, 101).tolist()
    return {"values": values, "quantiles": [{"q": q, "value": float(np.percentile(values, q * 100))} for q in (0, 0.01, 0.25, 0.5, 0.9, 0.99, 1)]}


def bootstrap():
    # scipy's percentile bootstrap of a mean: resampling noise makes these
    # comparable only within a Monte Carlo tolerance, stated in the test.
    data = rng.normal(0.02, 0.3, 400)
    result = stats.bootstrap((data,), np.mean, n_resamples=20000, method="percentile", confidence_level=0.95, random_state=rng)
    return {"data": data.tolist(), "mean": float(data.mean()), "ci": [result.confidence_interval.low, result.confidence_interval.high], "se": float(result.standard_error)}


def statsmodels_proportions():
    # The same binomial intervals from statsmodels as from scipy (method
    # "wilson" and "beta", i.e. Clopper-Pearson), as a second reference.
    cases = []
    for k, n in [(0, 20), (7, 20), (368, 368), (361, 368), (48, 50), (2, 3)]:
        for level in (0.95, 0.99):
            wilson = proportion_confint(k, n, alpha=1 - level, method="wilson")
            exact = proportion_confint(k, n, alpha=1 - level, method="beta")
            cases.append({"k": k, "n": n, "level": level, "wilson": [float(wilson[0]), float(wilson[1])], "exact": [float(exact[0]), float(exact[1])]})
    return cases


def tango_statistic(b, c, n, delta):
    # Tango (1998), as Fagerland, Lydersen and Laake (2013) give it, written
    # here from the paper with numpy's root, independently of gatehouse.
    a_ = 2 * n
    b_ = -b - c + (2 * n - b + c) * delta
    c_ = -c * delta * (1 - delta)
    p21 = (np.sqrt(b_ * b_ - 4 * a_ * c_) - b_) / (2 * a_)
    return (b - c - n * delta) / np.sqrt(n * (2 * p21 + delta * (1 - delta)))


def tango_interval(b, c, n, level):
    z = stats.norm.ppf(1 - (1 - level) / 2)
    estimate = (b - c) / n
    eps = 1e-12
    low = -1.0 if estimate == -1 else optimize.brentq(lambda d: tango_statistic(b, c, n, d) - z, -1 + eps, 1 - eps, xtol=1e-15)
    high = 1.0 if estimate == 1 else optimize.brentq(lambda d: tango_statistic(b, c, n, d) + z, -1 + eps, 1 - eps, xtol=1e-15)
    return low, high


def paired_proportions():
    # Tango's score interval for p(candidate) - p(baseline) on paired 0/1
    # results: b pairs where only the candidate scored 1, c where only the
    # baseline did. At delta 0 the statistic squared is McNemar's chi-square
    # without continuity correction, which statsmodels computes.
    cases = []
    for b, c, n in [(6, 16, 161), (1, 7, 21), (0, 0, 20), (0, 0, 5), (0, 3, 200), (40, 20, 160), (12, 30, 2000), (0, 8, 40), (5, 0, 12), (0, 20, 20)]:
        for level in (0.95, 0.99):
            low, high = tango_interval(b, c, n, level)
            cases.append({"b": b, "c": c, "n": n, "level": level, "ci": [low, high]})
    checks = []
    for b, c, n in [(6, 16, 161), (40, 20, 160), (3, 11, 500)]:
        table = [[n - b - c, b], [c, 0]]
        result = mcnemar(table, exact=False, correction=False)
        checks.append({"b": b, "c": c, "n": n, "chi2": float(result.statistic), "p": float(result.pvalue), "tango_at_0": float(tango_statistic(b, c, n, 0.0))})
    return {"tango": cases, "mcnemar": checks}


def student_t():
    return [{"p": p, "df": df, "ppf": float(stats.t.ppf(p, df)), "cdf": float(stats.t.cdf(1.7, df))} for p, df in [(0.975, 1), (0.975, 2), (0.9995, 3), (0.025, 7.5), (0.99, 30), (0.975, 401), (0.9975, 2001), (0.975, 20001), (0.995, 1e6)]]


def welch_log_ratio():
    # Welch's t on log run figures: scipy's ttest_ind(equal_var=False) and its
    # confidence interval for the difference of mean logs, exponentiated.
    cases = []
    for candidate, baseline in [([41.8, 42.2, 41.6], [41.2, 41.6, 41.0]), ([96, 96.4], [100, 100.5]), ([14.2e9, 14.2e9, 14.23e9], [14.1e9, 14.1e9, 14.13e9]), ([10, 12, 11, 13, 9], [11, 11.5])]:
        result = stats.ttest_ind(np.log(candidate), np.log(baseline), equal_var=False)
        ci = result.confidence_interval(0.95)
        cases.append({"candidate": candidate, "baseline": baseline, "df": float(result.df), "ratio": float(np.exp(np.mean(np.log(candidate)) - np.mean(np.log(baseline)))), "ci": [float(np.expm1(ci.low)), float(np.expm1(ci.high))]})
    return cases


def pseudo_pair_t():
    # The regression gate's interval for a bounded metric's mean difference:
    # Student t over the differences with two pseudo-pairs at +range and
    # -range added to the variance, n + 1 degrees of freedom, centred on the
    # observed mean.
    cases = []
    for d, r in [(rng.normal(0.01, 0.07, 200), 1.0), (np.zeros(20), 1.0), (np.full(5, 0.3), 1.0), (rng.uniform(-30, 40, 50), 100.0)]:
        augmented = np.concatenate([d, [r, -r]])
        se = augmented.std(ddof=1) / np.sqrt(augmented.size)
        half = stats.t.ppf(0.975, d.size + 1) * se
        cases.append({"differences": d.tolist(), "range": r, "ci": [float(d.mean() - half), float(d.mean() + half)]})
    return cases


def welch_log_ratio_tests():
    # One-sided Welch tests of "the ratio is at most (at least) 1 + margin" on
    # log run figures: scipy's ttest_ind on log(candidate) - log1p(margin)
    # against log(baseline), alternative "greater" ("less").
    cases = []
    for candidate, baseline in [([41.8, 42.2, 41.6], [41.2, 41.6, 41.0]), ([96, 96.4], [100, 100.5]), ([10, 12, 11, 13, 9], [11, 11.5]), ([5.0, 5.5, 6.1, 5.2], [6.0, 6.6, 5.9, 6.3, 6.4, 6.2])]:
        for margin in (-0.1, -0.02, 0.0, 0.03):
            shifted = np.log(candidate) - np.log1p(margin)
            above = stats.ttest_ind(shifted, np.log(baseline), equal_var=False, alternative="greater")
            below = stats.ttest_ind(shifted, np.log(baseline), equal_var=False, alternative="less")
            cases.append({"candidate": candidate, "baseline": baseline, "margin": margin, "p_above": float(above.pvalue), "p_below": float(below.pvalue)})
    return cases


def geometric_means():
    return [{"values": values, "gmean": float(stats.gmean(values))} for values in ([1.0, 4.0, 16.0], [41.8, 42.2, 41.6], [14.2e9, 14.2e9, 14.23e9], [0.5, 2.0], [7.0])]


def runs_needed():
    # The smallest k (2 <= k <= limit) whose Welch interval half-width, at the
    # observed log variances with k runs of each model, is below the distance
    # between the observed log ratio and log1p(margin), by trying every k with
    # scipy's t quantile; None when no k up to the limit does.
    cases = []
    for candidate, baseline, margin, level, limit in [
        ([96, 96.4], [100, 100.5], -0.05, 0.95, 1000),
        ([96, 96.4], [100, 100.5], -0.05, 0.99, 1000),
        ([96, 96.4], [100, 100.5], -0.035, 0.95, 1000),
        ([96, 96.4], [100, 100.5], -0.035, 0.95, 10),
        ([96, 96.4], [100, 100.5], -0.05, 0.8, 1000),
        ([41.8, 42.2, 41.6], [41.2, 41.6, 41.0], 0.0, 0.95, 1000),
        ([41.8, 42.2, 41.6], [41.2, 41.6, 41.0], 0.0, 0.95, 3),
        ([41.8, 42.2, 41.6], [41.2, 41.6, 41.0], 0.0, 0.95, 4),
        ([10, 12, 11, 13, 9], [11, 11.5], -0.2, 0.95, 1000),
        ([10, 12, 11, 13, 9], [11, 11.5], 0.1, 0.9, 1000),
        ([100, 101], [50, 50.5], 0.0, 0.95, 1000),
        ([100, 100], [90, 91], 0.05, 0.95, 1000),
        ([50, 60], [55, 58], -0.01, 0.95, 1000),
        ([50, 60], [55, 58], -0.024, 0.95, 5000),
    ]:
        sc = np.var(np.log(candidate), ddof=1)
        sb = np.var(np.log(baseline), ddof=1)
        gap = abs(np.mean(np.log(candidate)) - np.mean(np.log(baseline)) - np.log1p(margin))
        z = stats.norm.ppf(1 - (1 - level) / 2)
        needed = None
        for k in range(2, limit + 1):
            df = (k - 1) * (sc + sb) ** 2 / (sc**2 + sb**2)
            if stats.t.ppf(1 - (1 - level) / 2, df) * np.sqrt((sc + sb) / k) < gap:
                needed = k
                break
        cases.append({"candidate": candidate, "baseline": baseline, "margin": margin, "level": level, "limit": limit, "runs": needed})
    return cases


def pseudo_pair_t_tests():
    # One-sided p-values of the pseudo-pair t: scipy's t survival function
    # at (mean - margin) / se with n + 1 degrees of freedom.
    cases = []
    for d, r in [(rng.normal(0.01, 0.07, 40), 1.0), (np.full(5, 0.3), 1.0), (rng.uniform(-30, 40, 12), 100.0)]:
        augmented = np.concatenate([d, [r, -r]])
        se = augmented.std(ddof=1) / np.sqrt(augmented.size)
        for margin in (-0.05, 0.0, 0.2, 5.0):
            t = (d.mean() - margin) / se
            cases.append({"differences": d.tolist(), "range": r, "margin": margin, "p_above": float(stats.t.sf(t, d.size + 1)), "p_below": float(stats.t.cdf(t, d.size + 1))})
    return cases


def main():
    golden = {
        "generator": f"scipy {importlib.metadata.version('scipy')}, numpy {importlib.metadata.version('numpy')}, statsmodels {importlib.metadata.version('statsmodels')} via scripts/golden/stats.py",
        "wilson_exact": wilson_and_exact(),
        "normal": normal_quantiles(),
        "beta": beta_quantiles(),
        "mann_whitney": mann_whitney(),
        "effect_sizes": effect_sizes(),
        "multiple_testing": multiple_testing(),
        "percentiles": percentiles(),
        "bootstrap": bootstrap(),
        "statsmodels_proportions": statsmodels_proportions(),
        "paired_proportions": paired_proportions(),
        "student_t": student_t(),
        "welch_log_ratio": welch_log_ratio(),
        "pseudo_pair_t": pseudo_pair_t(),
        "welch_log_ratio_tests": welch_log_ratio_tests(),
        "geometric_means": geometric_means(),
        "runs_needed": runs_needed(),
        "pseudo_pair_t_tests": pseudo_pair_t_tests(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
