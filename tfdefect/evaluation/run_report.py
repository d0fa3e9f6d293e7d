"""``<workdir>/metrics.json``: one layout for every recipe's results.

``{"recipe", "library_version", "created", "config", "results", "exports"}``: ``results``
holds the recipe's own figures (per task), ``exports`` the published model folders. A
report of an earlier run in the same workdir is kept as ``metrics.<its created time>.json``,
never overwritten.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os

from tfdefect.export.atomic import atomic_write_text
from tfdefect.export.metadata import library_version

REPORT = "metrics.json"


def write_run_report(workdir: str, recipe: str, config, results, exports=()) -> str:
    """Write the run's ``metrics.json`` (see the module docstring); return its path."""
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, REPORT)
    if os.path.exists(path):
        try:
            created = read_run_report(workdir).get("created", "earlier")
        except ValueError:
            created = "earlier"
        stamp = str(created).replace(":", "").replace("+0000", "")
        keep = os.path.join(workdir, f"metrics.{stamp}.json")
        suffix = 1
        while os.path.exists(keep):
            suffix += 1
            keep = os.path.join(workdir, f"metrics.{stamp}.{suffix}.json")
        os.replace(path, keep)
    report = {
        "recipe": recipe,
        "library_version": library_version(),
        "created": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": dataclasses.asdict(config) if dataclasses.is_dataclass(config) else config,
        "results": results,
        "exports": [str(e) for e in exports],
    }
    atomic_write_text(path, json.dumps(report, indent=2, default=str) + "\n")
    return path


def read_run_report(workdir: str) -> dict:
    """The ``metrics.json`` of a run folder."""
    path = os.path.join(workdir, REPORT)
    with open(path) as handle:
        try:
            return json.load(handle)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not valid JSON ({error})") from None
