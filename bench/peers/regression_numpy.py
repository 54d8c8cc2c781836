"""Peer for bench/regression.ts: what the regression gate computes, written
the usual way with numpy and scipy, on the same data, single process.

Reads float64 columns written by the benchmark from DIR: baseline/candidate
accuracy, quality and latency, and the capability index of each example.
Computes Tango's score interval for the accuracy change (scipy's brentq on the
score statistic) and the pseudo-pair t-interval for the quality change, overall
and within each capability slice at the Bonferroni level; then the paired
bootstrap of latency p50 and p99 (one draw of example indices per resample,
numpy quantiles of both models) and their relative change. Prints the seconds
spent as JSON.

    python bench/peers/regression_numpy.py DIR RESAMPLES
"""

import json
import sys
import time

import numpy as np
from scipy import optimize, stats


def tango(candidate: np.ndarray, baseline: np.ndarray, level: float) -> list:
    n = candidate.size
    b = float(np.sum((candidate == 1) & (baseline == 0)))
    c = float(np.sum((candidate == 0) & (baseline == 1)))

    def statistic(delta: float) -> float:
        bq = -b - c + (2 * n - b + c) * delta
        cq = -c * delta * (1 - delta)
        p21 = (np.sqrt(bq * bq - 4 * 2 * n * cq) - bq) / (4 * n)
        return (b - c - n * delta) / np.sqrt(n * (2 * p21 + delta * (1 - delta)))

    z = stats.norm.ppf(1 - (1 - level) / 2)
    eps = 1e-12
    return [optimize.brentq(lambda d: statistic(d) - z, -1 + eps, 1 - eps), optimize.brentq(lambda d: statistic(d) + z, -1 + eps, 1 - eps)]


def pseudo_pair_t(differences: np.ndarray, level: float) -> list:
    augmented = np.concatenate([differences, [1.0, -1.0]])
    half = stats.t.ppf(1 - (1 - level) / 2, differences.size + 1) * augmented.std(ddof=1) / np.sqrt(augmented.size)
    return [differences.mean() - half, differences.mean() + half]


def main(directory: str, resamples: int) -> None:
    def column(name: str) -> np.ndarray:
        return np.fromfile(f"{directory}/{name}.f64", dtype=np.float64)

    accuracy = (column("candidate-accuracy"), column("baseline-accuracy"))
    quality = column("candidate-quality") - column("baseline-quality")
    base_latency = column("baseline-latency")
    cand_latency = column("candidate-latency")
    capability = column("capability").astype(np.int64)
    n = quality.size
    rng = np.random.default_rng(1)
    started = time.perf_counter()
    intervals = {"accuracy": tango(*accuracy, 0.95), "quality": pseudo_pair_t(quality, 0.95)}
    groups = np.unique(capability)
    slice_level = 1 - 0.05 / (2 * groups.size)
    slices = []
    for s in groups:
        members = np.flatnonzero(capability == s)
        slices.append([tango(accuracy[0][members], accuracy[1][members], slice_level), pseudo_pair_t(quality[members], slice_level)])
    overall = np.empty((resamples, 4))
    for b in range(resamples):
        draw = rng.integers(0, n, n)
        overall[b, 0:2] = np.quantile(base_latency[draw], [0.5, 0.99])
        overall[b, 2:4] = np.quantile(cand_latency[draw], [0.5, 0.99])
    change = overall[:, 2:4] / overall[:, 0:2] - 1
    limits = np.quantile(change, [0.025, 0.975], axis=0)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "intervals": intervals, "latency": limits.tolist(), "slices": slices}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
