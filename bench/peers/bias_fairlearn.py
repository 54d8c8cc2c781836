"""Peer for bench/bias.ts: fairlearn's MetricFrame on the same predictions,
with its own bootstrap (n_boot) for the same per-group metrics.

Reads float64 columns written by the benchmark from DIR (label, prediction,
score, gender and age codes). Times MetricFrame over the intersectional
groups (selection rate, true and false positive rates, Brier score), once
for the point estimates alone and once with RESAMPLES bootstrap draws, and
prints both times as JSON.

    python bench/peers/bias_fairlearn.py DIR RESAMPLES
"""

import json
import sys
import time

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate
from sklearn.metrics import brier_score_loss


def main(directory: str, resamples: int) -> None:
    def column(name: str) -> np.ndarray:
        return np.fromfile(f"{directory}/{name}.f64", dtype=np.float64)

    label = column("label").astype(int)
    prediction = column("prediction").astype(int)
    score = column("score")
    groups = pd.DataFrame({"gender": column("gender").astype(int), "age": column("age").astype(int)})
    def measure(n_boot: int | None) -> float:
        started = time.perf_counter()
        options = {"n_boot": n_boot, "ci_quantiles": [0.025, 0.975], "random_state": 1} if n_boot else {}
        rates = {"selection_rate": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate}
        MetricFrame(metrics=rates, y_true=label, y_pred=prediction, sensitive_features=groups, **options).difference()
        MetricFrame(metrics=brier_score_loss, y_true=label, y_pred=score, sensitive_features=groups, **options).difference()
        return time.perf_counter() - started

    point = measure(None)
    with_bootstrap = measure(resamples)
    print(json.dumps({"point_seconds": point, "bootstrap_seconds": with_bootstrap, "resamples": resamples}))

if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
