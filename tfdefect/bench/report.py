"""JSON results of the benchmark scripts."""

from __future__ import annotations

import json
import os
import time


def write_bench_json(path: str, machine: str, results: dict) -> None:
    """Write ``results`` with the machine line and the time of the run to ``path`` (JSON),
    creating its folder; an existing file is replaced (a bench result is not a user artefact:
    it is re-measured every run)."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    payload = {"machine": machine, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    payload.update(results)
    temp = f"{path}.tmp-{os.getpid()}"
    with open(temp, "w") as handle:
        json.dump(payload, handle, indent=2)
    os.replace(temp, path)
