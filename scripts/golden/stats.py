#!/usr/bin/env python3
"""Golden values for gatehouse's statistics from scipy and numpy.

Writes test/fixtures/golden/stats.json. The TypeScript implementations in
src/stats/ are compared against it with the tolerances stated there.

Run from the repository root inside the project virtualenv:
    .venv/bin/python scripts/golden/stats.py
"""

import importlib.metadata
import json
import pathlib

import numpy as np
from scipy import stats

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


def main():
    golden = {
        "generator": f"scipy {importlib.metadata.version('scipy')}, numpy {importlib.metadata.version('numpy')} via scripts/golden/stats.py",
        "wilson_exact": wilson_and_exact(),
        "normal": normal_quantiles(),
        "beta": beta_quantiles(),
        "mann_whitney": mann_whitney(),
        "effect_sizes": effect_sizes(),
        "multiple_testing": multiple_testing(),
        "percentiles": percentiles(),
        "bootstrap": bootstrap(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
