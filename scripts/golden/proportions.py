#!/usr/bin/env python3
"""Golden binomial-proportion intervals from statsmodels for gatehouse's bias and safety gates.

Writes test/fixtures/golden/proportions.json:
  - single proportions: Wilson and Clopper-Pearson (statsmodels proportion_confint,
    method="wilson" and "beta"), at 95% and at the per-pair levels the bias gate
    uses (Bonferroni over 1, 15, 28 and 4950 pairs), counts including 0 and n;
  - two independent proportions: Newcombe's hybrid score interval for the
    difference (confint_proportions_2indep, method="newcomb") and Koopman's score
    interval for the ratio (method="score", correction=False). statsmodels solves
    Nam's cubic, which degenerates when a count is 0 or equals its n (it returns
    the estimate as both limits); every case is also inverted directly with
    scipy's brentq on the same score statistic ("koopman_brentq");
  - exact upper quantiles of weighted sums of half-normals, sum_b a_b |Z_b|, by
    numerical convolution (numpy), which the calibration bound must never undercut,
    with the two bounds it takes the smaller of: the Chernoff bound minimised by
    scipy's bounded minimiser ("chernoff") and the Bonferroni bound ("bonferroni").

Run from the repository root inside the project virtualenv:
    .venv/bin/python scripts/golden/proportions.py
"""

import importlib.metadata
import json
import pathlib

import numpy as np
from scipy import optimize, signal, stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "test" / "fixtures" / "golden" / "proportions.json"
LEVELS = [0.95, 1 - 0.05 / 15, 1 - 0.05 / 28, 1 - 0.05 / 4950]


def single():
    rows = []
    for n in [1, 7, 20, 160, 368, 500, 10000]:
        for k in sorted({0, 1, n // 3, n // 2, n - 1, n}):
            if k < 0 or k > n:
                continue
            for level in LEVELS:
                alpha = 1 - level
                rows.append({
                    "k": k, "n": n, "level": level,
                    "wilson": list(proportion_confint(k, n, alpha=alpha, method="wilson")),
                    "exact": list(proportion_confint(k, n, alpha=alpha, method="beta")),
                })
    return rows


def koopman_statistic(theta, x1, n1, x2, n2):
    """Koopman's score statistic for the ratio theta, at the restricted maximum likelihood (Miettinen-Nurminen, no correction)."""
    a = (n1 + n2) * theta
    b = -(n1 * theta + x1 + n2 + x2 * theta)
    c = x1 + x2
    q2 = (-b - np.sqrt(max(0.0, b * b - 4 * a * c))) / (2 * a)
    q1 = theta * q2
    variance = q1 * (1 - q1) / n1 + theta**2 * q2 * (1 - q2) / n2
    return (x1 / n1 - theta * x2 / n2) ** 2 / variance


def koopman_brentq(x1, n1, x2, n2, level):
    z2 = stats.norm.isf((1 - level) / 2) ** 2
    f = lambda t: koopman_statistic(t, x1, n1, x2, n2) - z2  # noqa: E731
    start = (x1 / n1) / (x2 / n2) if x1 > 0 and x2 > 0 else (1e-3 / n1 / (x2 / n2) if x1 == 0 else (x1 / n1) * n2 / 1e-3)
    low = 0.0 if x1 == 0 else optimize.brentq(f, 1e-12, start, xtol=1e-15, rtol=1e-14)
    high = None if x2 == 0 else optimize.brentq(f, start, 1e9, xtol=1e-15, rtol=1e-14)
    return [low, high]


def two_sample():
    rows = []
    cases = [(0, 20, 5, 30), (3, 20, 0, 25), (12, 160, 12, 160), (40, 160, 70, 160), (150, 160, 160, 160),
             (1, 500, 0, 500), (480, 1000, 520, 1000), (2319, 5000, 2681, 5000), (7, 9, 2, 11), (160, 160, 158, 160),
             # A count of 0 beside a large n and a small rate: the search's starting ratio must still lie inside.
             (0, 1000, 1, 1000), (1, 1000, 0, 1000), (0, 2000, 3, 100), (2, 40, 0, 5000)]
    for x1, n1, x2, n2 in cases:
        for level in LEVELS:
            alpha = 1 - level
            diff = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff", alpha=alpha)
            row = {"x1": x1, "n1": n1, "x2": x2, "n2": n2, "level": level, "newcombe": [float(diff[0]), float(diff[1])]}
            row["koopman_brentq"] = koopman_brentq(x1, n1, x2, n2, level)
            # statsmodels' Koopman solves Nam's cubic, which needs counts strictly between 0 and n.
            if 0 < x1 < n1 and 0 < x2 < n2:
                ratio = confint_proportions_2indep(x1, n1, x2, n2, method="score", compare="ratio", alpha=alpha, correction=False)
                row["koopman"] = [float(np.real(ratio[0])), float(np.real(ratio[1]))]
            rows.append(row)
    return rows


def half_normal_quantiles():
    """The upper alpha quantile of sum_b a_b |Z_b| by convolving the densities on a fine grid."""
    rows = []
    cases = [([1.0], 0.05), ([1.0] * 10, 0.05), ([1.0] * 10, 1 - 0.95 ** (1 / 8)), ([0.5, 0.1, 2.0, 0.01, 1.0], 0.01),
             ([0.02] * 3 + [0.3] * 7, 0.0253)]
    for scales, alpha in cases:
        top = sum(scales) * 0.8 + 12 * np.sqrt(sum(s * s for s in scales))
        grid = np.linspace(0, top, 2**18 + 1)
        step = grid[1] - grid[0]
        density = None
        for a in scales:
            own = 2 * stats.norm.pdf(grid / a) / a
            own[0] /= 2
            density = own if density is None else signal.fftconvolve(density, own)[: len(grid)] * step
        cdf = np.cumsum(density) * step
        rows.append({"scales": scales, "alpha": alpha, "quantile": float(np.interp(1 - alpha, cdf, grid)),
                     "chernoff": chernoff_bound(scales, alpha), "bonferroni": bonferroni_bound(scales, alpha)})
    return rows


def chernoff_bound(scales, alpha):
    """min over t > 0 of (sum_b log(2 exp(t^2 a_b^2 / 2) Phi(t a_b)) - log alpha) / t, by scipy's bounded minimiser in log t."""
    positive = [a for a in scales if a > 0]

    def bound(log_t):
        t = np.exp(log_t)
        return (sum(stats.norm.logcdf(t * a) + np.log(2) + (t * a) ** 2 / 2 for a in positive) - np.log(alpha)) / t

    norm = np.sqrt(sum(a * a for a in positive))
    found = optimize.minimize_scalar(bound, bounds=(np.log(1e-3 / norm), np.log(1e3 / norm)), method="bounded",
                                     options={"xatol": 1e-12, "maxiter": 10000})
    return float(found.fun)


def bonferroni_bound(scales, alpha):
    """sum_b a_b z_{1 - alpha / 2B}: each |Z_b| beyond its two-sided alpha/B quantile."""
    positive = [a for a in scales if a > 0]
    return float(stats.norm.isf(alpha / (2 * len(positive))) * sum(positive))


def main():
    golden = {
        "generator": f"statsmodels {importlib.metadata.version('statsmodels')}, scipy {importlib.metadata.version('scipy')}, numpy {importlib.metadata.version('numpy')} via scripts/golden/proportions.py",
        "single": single(),
        "two_sample": two_sample(),
        "half_normal_sums": half_normal_quantiles(),
    }
    OUT.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
