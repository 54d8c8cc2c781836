"""Peer for bench/bias.ts: fairlearn's MetricFrame on the same predictions,
computing what the bias gate judges (point estimates only; fairlearn has no
simultaneous intervals).

Reads float64 columns written by the benchmark from DIR (label, prediction,
score, gender and age codes). Times, over the intersectional groups: selection
rate, true and false positive rates with their differences and the selection
ratio, and a 10-bin ECE per group with its difference. Runs RUNS times and
prints the median as JSON.

    python bench/peers/bias_fairlearn.py DIR RUNS
"""

import json
import statistics
import sys
import time

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate


def expected_calibration_error(labels, scores, bins=10):
    index = np.minimum(bins - 1, np.floor(np.asarray(scores) * bins).astype(int))
    gaps = np.bincount(index, weights=np.asarray(scores) - np.asarray(labels), minlength=bins)
    return float(np.abs(gaps).sum() / len(scores))


def main(directory: str, runs: int) -> None:
    def column(name: str) -> np.ndarray:
        return np.fromfile(f"{directory}/{name}.f64", dtype=np.float64)

    label = column("label").astype(int)
    prediction = column("prediction").astype(int)
    score = column("score")
    groups = pd.DataFrame({"gender": column("gender").astype(int), "age": column("age").astype(int)})

    def measure() -> float:
        started = time.perf_counter()
        rates = {"selection_rate": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate}
        frame = MetricFrame(metrics=rates, y_true=label, y_pred=prediction, sensitive_features=groups)
        frame.difference()
        frame.ratio()
        MetricFrame(metrics=expected_calibration_error, y_true=label, y_pred=score, sensitive_features=groups).difference()
        return time.perf_counter() - started

    times = [measure() for _ in range(runs)]
    print(json.dumps({"median_seconds": statistics.median(times), "runs": runs}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
