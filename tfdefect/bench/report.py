"""JSON results of the benchmark scripts."""

from __future__ import annotations

import json
import time

from tfdefect.export.atomic import atomic_write_text


def write_bench_json(path: str, machine: str, results: dict) -> None:
    """Write ``results`` with the machine line and the time of the run to ``path`` (JSON),
    creating its folder; an existing file is replaced (a bench result is not a user artefact:
    it is re-measured every run)."""
    payload = {"machine": machine, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    payload.update(results)
    atomic_write_text(path, json.dumps(payload, indent=2))
