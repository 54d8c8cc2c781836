#!/usr/bin/env python3
"""Golden values of the special functions under gatehouse's statistics, from scipy and mpmath.

Writes test/fixtures/golden/special.json: erfc, the normal CDF and quantile,
log-gamma, log-beta, the regularised incomplete beta function and its inverse, and
Student's t CDF and quantile, at points chosen to reach every branch of
src/stats/special.ts (the series and the continued fraction of erfc either
side of 2, the three regions of Wichura's AS 241, the reflection of log-gamma
below 1/2, both sides of the incomplete beta's symmetry switch, the closed
forms of t at 1 and 2 degrees of freedom, Newton's method and the expansion
above 10^4) and its far tails. test/stats/special.test.ts compares against it.

Run from the repository root inside the project virtualenv:
    .venv/bin/python scripts/golden/special.py
"""

import importlib.metadata
import json
import pathlib

import mpmath
from scipy import special, stats

mpmath.mp.dps = 40

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "test" / "fixtures" / "golden" / "special.json"

ERFC_X = [-6, -3, -2.0000001, -2, -1.9999999, -0.7, -1e-9, 0, 1e-9, 0.25, 1, 1.5, 1.9999999, 2, 2.0000001, 2.5, 4, 8, 12, 26.5]
NORMAL_Z = [-37.5, -20, -8.5, -5, -1.959963984540054, -0.3, 0, 0.3, 1.959963984540054, 5, 8.5]
NORMAL_P = [1e-300, 1e-100, 1e-20, 1.3887943864964021e-11, 1.4e-11, 1e-6, 0.001, 0.02425, 0.074, 0.075, 0.0751, 0.3, 0.5, 0.6, 0.924, 0.925, 0.926, 0.975, 0.999, 0.9999999]
LOG_GAMMA_X = [1e-12, 1e-5, 0.1, 0.25, 0.4999, 0.5, 0.75, 1, 1.5, 2, 3, 4.5, 7.5, 10, 33.3, 100, 1e4, 1e8]
LOG_BETA = [(a, b) for a in [0.3, 1, 2.5, 9.99, 10, 12.5, 1e3, 1e6] for b in [0.5, 3, 10, 40.5, 1e4, 1e6 + 1]]
INCOMPLETE_BETA = [
    (x, a, b)
    for a, b in [(0.5, 0.5), (0.5, 3), (1, 1), (2, 5), (5, 2), (3.5, 0.5), (10, 10), (50, 1.5), (1000, 11), (0.2, 30)]
    for x in [1e-6, 0.01, 0.2, 0.5, 0.7, 0.95, 0.999999]
]
BETA_QUANTILE = [(p, a, b) for a, b in [(0.5, 0.5), (1, 10), (3, 2), (20, 0.5), (200, 800)] for p in [1e-8, 0.025, 0.5, 0.975, 0.99999]]
T_DF = [0.5, 1, 2, 3, 4.5, 10, 30, 1000, 10001, 100000]
T_CDF = [(t, df) for df in T_DF for t in [-40, -3, -1, -1e-6, 0, 0.5, 2.2, 7, 300]]
T_QUANTILE = [(p, df) for df in T_DF for p in [1e-10, 0.001, 0.025, 0.3, 0.5, 0.6, 0.9, 0.975, 0.9995, 1 - 1e-9]]


# Beta distributions with a parameter of 1 at n = 10^6, where the CDF has a closed form that
# mpmath evaluates at 40 digits: I_x(1, b) = 1 - (1 - x)^b and I_x(a, 1) = x^a, so the
# Clopper-Pearson bounds of 0 or n - 1 failures in a million are known exactly.
HUGE = [(1, 10**6), (10**6, 1), (1, 999_999)]


def closed_cdf(x, a, b):
    x = mpmath.mpf(x)
    return 1 - (1 - x) ** b if a == 1 else x**a


def closed_quantile(p, a, b):
    p = mpmath.mpf(p)
    return 1 - (1 - p) ** (mpmath.mpf(1) / b) if a == 1 else p ** (mpmath.mpf(1) / a)


def main():
    golden = {
        "generator": f"scipy {importlib.metadata.version('scipy')} and mpmath {importlib.metadata.version('mpmath')} via scripts/golden/special.py",
        "erfc": [{"x": x, "erfc": float(special.erfc(x))} for x in ERFC_X],
        "normal_cdf": [{"z": z, "cdf": float(stats.norm.cdf(z))} for z in NORMAL_Z],
        "normal_quantile": [{"p": p, "ppf": float(stats.norm.ppf(p))} for p in NORMAL_P],
        "log_gamma": [{"x": x, "gammaln": float(special.gammaln(x))} for x in LOG_GAMMA_X],
        # log B from mpmath at 40 digits: scipy's betaln loses ten digits at a million
        # (betaln(1e6, 0.5) is off by 1e-9 relative).
        "log_beta": [{"a": a, "b": b, "betaln": float(mpmath.log(mpmath.beta(a, b)))} for a, b in LOG_BETA],
        "incomplete_beta": [{"x": x, "a": a, "b": b, "betainc": float(special.betainc(a, b, x))} for x, a, b in INCOMPLETE_BETA]
        + [{"x": x, "a": a, "b": b, "betainc": float(closed_cdf(x, a, b))} for a, b in HUGE for x in [1e-9, 1e-7, 3e-6, 0.5, 0.999999, 0.99999999]],
        "beta_quantile": [{"p": p, "a": a, "b": b, "ppf": float(stats.beta.ppf(p, a, b))} for p, a, b in BETA_QUANTILE]
        + [{"p": p, "a": a, "b": b, "ppf": float(closed_quantile(p, a, b))} for a, b in HUGE for p in [1e-8, 0.025, 0.5, 0.975, 0.99999]],
        "t_cdf": [{"t": t, "df": df, "cdf": float(stats.t.cdf(t, df))} for t, df in T_CDF],
        "t_quantile": [{"p": p, "df": df, "ppf": float(stats.t.ppf(p, df))} for p, df in T_QUANTILE],
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
