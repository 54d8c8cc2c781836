#!/usr/bin/env python3
"""Golden alpha-spending values from scipy for gatehouse's sequential canary looks.

Writes test/fixtures/golden/sequential.json: the cumulative one-sided alpha
spent by information fraction t, for Lan and DeMets' two spending functions,
  - O'Brien-Fleming type: alpha(t) = 2 - 2 Phi(z_{1-alpha/2} / sqrt(t)),
    evaluated as 2 * norm.sf(norm.isf(alpha / 2) / sqrt(t)), the same number
    without the cancellation of 2 - 2 Phi(.) where it is tiny;
  - Pocock type: alpha(t) = alpha * ln(1 + (e - 1) t);
and the increments alpha(t_k) - alpha(t_{k-1}) at equally spaced looks.

Run from the repository root inside the project virtualenv:
    .venv/bin/python scripts/golden/sequential.py
"""

import importlib.metadata
import json
import math
import pathlib

from scipy import stats

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "test" / "fixtures" / "golden" / "sequential.json"


def obrien_fleming(alpha, t):
    return 2 * stats.norm.sf(stats.norm.isf(alpha / 2) / math.sqrt(t))


def pocock(alpha, t):
    return alpha * math.log(1 + (math.e - 1) * t)


def main():
    spending = []
    for alpha in (0.001, 0.025, 0.05, 0.1):
        for t in (0.01, 1 / 12, 0.1, 0.25, 1 / 3, 0.5, 0.75, 0.9, 0.999, 1.0):
            spending.append({"alpha": alpha, "t": t, "obrien_fleming": obrien_fleming(alpha, t), "pocock": pocock(alpha, t)})
    looks = []
    for alpha, count in ((0.025, 12), (0.05, 5), (0.025, 4)):
        fractions = [(k + 1) / count for k in range(count)]
        cumulative = {"obrien_fleming": [obrien_fleming(alpha, t) for t in fractions], "pocock": [pocock(alpha, t) for t in fractions]}
        looks.append({"alpha": alpha, "fractions": fractions, **{name: [c - p for c, p in zip(values, [0.0] + values[:-1])] for name, values in cumulative.items()}})
    golden = {"generator": f"scipy {importlib.metadata.version('scipy')} via scripts/golden/sequential.py", "spending": spending, "looks": looks}
    OUT.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
