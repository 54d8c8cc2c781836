"""Peer for bench/regression.ts: the same paired bootstrap written the usual
way with numpy, on the same data, single process.

Reads float64 columns written by the benchmark from DIR: baseline/candidate
accuracy, quality and latency, and the capability index of each example.
Per resample: means of the paired differences, p50 and p99 of each latency;
then a separate paired bootstrap of the two metric differences within each
capability slice. Prints the seconds spent bootstrapping as JSON.

    python bench/peers/regression_numpy.py DIR RESAMPLES
"""

import json
import sys
import time

import numpy as np


def main(directory: str, resamples: int) -> None:
    def column(name: str) -> np.ndarray:
        return np.fromfile(f"{directory}/{name}.f64", dtype=np.float64)

    accuracy = column("candidate-accuracy") - column("baseline-accuracy")
    quality = column("candidate-quality") - column("baseline-quality")
    base_latency = column("baseline-latency")
    cand_latency = column("candidate-latency")
    capability = column("capability").astype(np.int64)
    n = accuracy.size
    rng = np.random.default_rng(1)
    started = time.perf_counter()
    overall = np.empty((resamples, 6))
    for b in range(resamples):
        draw = rng.integers(0, n, n)
        overall[b, 0] = accuracy[draw].mean()
        overall[b, 1] = quality[draw].mean()
        overall[b, 2:4] = np.quantile(base_latency[draw], [0.5, 0.99])
        overall[b, 4:6] = np.quantile(cand_latency[draw], [0.5, 0.99])
    limits = np.quantile(overall, [0.025, 0.975], axis=0)
    slices = []
    for s in np.unique(capability):
        members = np.flatnonzero(capability == s)
        acc, qual = accuracy[members], quality[members]
        means = np.empty((resamples, 2))
        for b in range(resamples):
            draw = rng.integers(0, members.size, members.size)
            means[b, 0] = acc[draw].mean()
            means[b, 1] = qual[draw].mean()
        slices.append(np.quantile(means, [0.025, 0.975], axis=0).tolist())
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "overall": limits.tolist(), "slices": slices}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
