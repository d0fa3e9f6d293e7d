"""Timing helper shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import time


def interleaved_median_seconds(functions: dict, repeats: int) -> dict:
    """Median seconds per call of each function after one warm-up call each.

    The functions are timed in turn within every repeat, so machine noise (other load,
    frequency changes) hits all of them alike.
    """
    for fn in functions.values():
        fn()  # warm-up (tracing, graph optimisation)
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            started = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def separate_median_seconds(functions: dict, repeats: int) -> dict:
    """Median seconds per call of each function, timed one function at a time (warm-up
    call first). For runtimes with their own thread pools: an onnxruntime session's threads
    spin after a run and would slow whatever ran next if the calls were interleaved."""
    return {
        name: interleaved_median_seconds({name: function}, repeats)[name]
        for name, function in functions.items()
    }
