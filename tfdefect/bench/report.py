"""JSON results of the benchmark scripts."""

from __future__ import annotations

import json
import logging
import os
import time

from tfdefect.atomic_files import atomic_write_text

logger = logging.getLogger(__name__)


def write_bench_json(path: str, machine: str, results: dict) -> None:
    """Write ``results`` with the machine line and the time of the run to ``path`` (JSON),
    creating its folder; an existing file is replaced (a bench result is not a user artefact:
    it is re-measured every run)."""
    payload = {"machine": machine, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    payload.update(results)
    atomic_write_text(path, json.dumps(payload, indent=2))


def finished_runs(path: str, settings: dict, ignore: tuple = ()) -> list:
    """The ``runs`` of an earlier result file at ``path`` if it was measured with the same
    ``settings`` (keys in ``ignore`` may differ, e.g. which variants to run), else []; so an
    interrupted bench resumes without mixing runs of other settings."""
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        previous = json.load(handle)
    earlier = previous.get("settings", {})
    if any(earlier.get(k) != v for k, v in settings.items() if k not in ignore):
        return []
    runs = previous.get("runs", [])
    logger.info(f"kept {len(runs)} finished runs from {path}")
    return runs


def mean_min_max(values) -> dict:
    """{"mean", "min", "max"} of a non-empty sequence of numbers (None entries skipped)."""
    values = [v for v in values if v is not None]
    return {"mean": sum(values) / len(values), "min": min(values), "max": max(values)}


def markdown_table(header: list, rows: list) -> str:
    """A markdown table of ``header`` and ``rows`` (lists of cells, written with str)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
