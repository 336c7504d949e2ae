"""What the report's confidence entries (calibration with its bootstrap interval, selective
prediction) add to a report of 10,000 examples: the budget is under 50 ms.

    python benchmarks/bench_confidence.py [N]

Prints the median time of ``compute_metrics`` (what a report already costs) and of
``confidence_entries``, and their ratio. Timings only: no pass/fail here."""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from workbench.confidence import confidence_entries
from workbench.metrics import compute_metrics


def median_ms(fn, repeat: int = 7) -> float:
    fn()  # imports and first-call costs out of the way
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main(n: int = 10_000) -> None:
    rng = np.random.default_rng(0)
    p1 = rng.uniform(size=n)
    y = (rng.uniform(size=n) < p1).astype(int).tolist()
    scores = [[float(1 - p), float(p)] for p in p1]  # as the runner holds them: lists per prediction
    labels: list[int | None] = [int(p > 0.5) for p in p1]
    for i in range(0, n, 100):  # 1% invalid, as a prompt method's run might have
        labels[i], scores[i] = None, None  # type: ignore[call-overload]
    metrics_ms = median_ms(lambda: compute_metrics(y, labels, ["neg", "pos"]))
    conf_ms = median_ms(lambda: confidence_entries(y, labels, scores, 2))
    scaled_ms = median_ms(lambda: confidence_entries(y, labels, scores, 2, temperature=1.3, fitted_on="validation"))
    print(f"n={n}")
    print(f"compute_metrics (existing report)    {metrics_ms:7.1f} ms")
    print(f"confidence_entries                   {conf_ms:7.1f} ms   ratio to metrics {conf_ms / metrics_ms:.2f}   budget 50 ms")
    print(f"  with a temperature (before+after)  {scaled_ms:7.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
