"""Peer for bench/canary.ts: scipy's mannwhitneyu on the same per-step samples
the canary judge compares (10 metrics, canary and baseline arms), and, for
context, the Hodges-Lehmann shift as numpy computes it naively (the median of
every pairwise difference, materialised).

Reads float64 columns m<i>_canary and m<i>_baseline from DIR. Runs RUNS times
and prints, as JSON, the median seconds of each and the peak resident memory
(ru_maxrss) after each part.

    python bench/peers/canary_scipy.py DIR METRICS RUNS
"""

import json
import resource
import statistics
import sys
import time

import numpy as np
from scipy.stats import mannwhitneyu


def main(directory: str, metrics: int, runs: int) -> None:
    arms = [
        (np.fromfile(f"{directory}/m{i}_canary.f64"), np.fromfile(f"{directory}/m{i}_baseline.f64"))
        for i in range(metrics)
    ]
    rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def mann_whitney() -> float:
        started = time.perf_counter()
        for canary, baseline in arms:
            mannwhitneyu(canary, baseline, alternative="two-sided", method="asymptotic")
        return time.perf_counter() - started

    mw = statistics.median(mann_whitney() for _ in range(runs))
    mw_rss = rss()

    def hodges_lehmann() -> float:
        started = time.perf_counter()
        for canary, baseline in arms:
            np.median(np.subtract.outer(canary, baseline))
        return time.perf_counter() - started

    hl = statistics.median(hodges_lehmann() for _ in range(max(1, runs // 2)))
    print(json.dumps({"mannwhitneyu_seconds": mw, "mannwhitneyu_peak_rss_mib": mw_rss, "hodges_lehmann_numpy_seconds": hl, "peak_rss_mib": rss()}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
