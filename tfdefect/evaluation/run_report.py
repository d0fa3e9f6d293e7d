"""``<workdir>/metrics.json`` and ``<workdir>/report.html``: one layout for every recipe.

``{"recipe", "library_version", "created", "config", "results", "exports"}``: ``results``
holds the recipe's own figures (per task), ``exports`` the published model folders.
``report.html`` shows the same with every figure of the workdir inlined (``html_report``).
The files of an earlier run in the same workdir are kept as ``metrics.<its created
time>.json`` and ``report.<its created time>.html``, never overwritten.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import os

from tfdefect.atomic_files import atomic_write_text
from tfdefect.evaluation.html_report import REPORT_PAGE, render_report_page, run_figures
from tfdefect.export.metadata import library_version

logger = logging.getLogger(__name__)

REPORT = "metrics.json"


def _keep_earlier(path: str, stamp: str) -> None:
    """Move an earlier run's file aside as ``<stem>.<stamp>[.<n>]<suffix>``."""
    if not os.path.exists(path):
        return
    stem, suffix = os.path.splitext(path)
    keep = f"{stem}.{stamp}{suffix}"
    count = 1
    while os.path.exists(keep):
        count += 1
        keep = f"{stem}.{stamp}.{count}{suffix}"
    os.replace(path, keep)


def write_run_report(workdir: str, recipe: str, config, results, exports=()) -> str:
    """Write the run's ``metrics.json`` and ``report.html`` (see the module docstring);
    return the JSON's path."""
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, REPORT)
    if os.path.exists(path):
        try:
            created = read_run_report(workdir).get("created", "earlier")
        except ValueError:
            created = "earlier"
        stamp = str(created).replace(":", "").replace("+0000", "")
        _keep_earlier(path, stamp)
        _keep_earlier(os.path.join(workdir, REPORT_PAGE), stamp)
    report = {
        "recipe": recipe,
        "library_version": library_version(),
        "created": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": dataclasses.asdict(config) if dataclasses.is_dataclass(config) else config,
        "results": results,
        "exports": [str(e) for e in exports],
    }
    atomic_write_text(path, json.dumps(report, indent=2, default=str) + "\n")
    page = os.path.join(workdir, REPORT_PAGE)
    atomic_write_text(
        page, render_report_page(json.loads(json.dumps(report, default=str)), run_figures(workdir))
    )
    logger.info(f"report page: {page}")
    return path


def read_run_report(workdir: str) -> dict:
    """The ``metrics.json`` of a run folder."""
    path = os.path.join(workdir, REPORT)
    with open(path) as handle:
        try:
            return json.load(handle)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not valid JSON ({error})") from None
