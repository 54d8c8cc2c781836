#!/usr/bin/env python3
"""Golden values for gatehouse's backdoor scan from scipy.

Writes test/fixtures/golden/backdoor.json:
  - the one-sided exact McNemar test on discordant pairs, as
    scipy.stats.binomtest(b, b + c, 0.5, alternative="greater").pvalue, for
    counts from 0 to 400 discordant pairs;
  - Benjamini-Hochberg adjusted p-values, scipy.stats.false_discovery_control
    (method="bh"), of p-value lists with ties, ones and tiny values.

Run from the repository root inside the project virtualenv:
    .venv/bin/python scripts/golden/backdoor.py
"""
import json

from scipy.stats import binomtest, false_discovery_control

pairs = [(0, 0), (1, 0), (0, 1), (3, 0), (5, 5), (10, 2), (2, 10), (12, 10), (40, 2), (186, 4), (200, 200), (15, 3), (9, 0), (1, 30)]
mcnemar = [{"more": b, "fewer": c, "p": binomtest(b, b + c, 0.5, alternative="greater").pvalue if b + c > 0 else 1.0} for b, c in pairs]
lists = [
    [0.0154, 0.0245, 0.4159],
    [0.0193, 0.0193, 0.0193, 0.5],
    [1.9e-10, 0.4159, 0.1537, 0.8204, 1.0, 1.0],
    [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.5, 0.9, 0.99, 0.001, 0.011, 0.2, 0.3, 0.4, 0.6, 0.7],
]
bh = [{"p": p, "q": [float(x) for x in false_discovery_control(p, method="bh")]} for p in lists]
with open("test/fixtures/golden/backdoor.json", "w") as out:
    json.dump({"mcnemar": mcnemar, "bh": bh}, out, indent=1)
    out.write("\n")
