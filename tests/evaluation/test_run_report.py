"""metrics.json: one layout for every recipe, earlier reports kept."""

import dataclasses
import json
import os

from tfdefect.evaluation import read_run_report, write_run_report


@dataclasses.dataclass
class _Config:
    epochs: int = 3


def test_layout_and_earlier_reports_are_kept(tmp_path):
    first = write_run_report(str(tmp_path), "demo", _Config(), {"f1": 0.5}, ["saved_models/m/1"])
    report = read_run_report(str(tmp_path))
    assert set(report) == {"recipe", "library_version", "created", "config", "results", "exports"}
    assert report["config"] == {"epochs": 3} and report["results"] == {"f1": 0.5}
    write_run_report(str(tmp_path), "demo", _Config(epochs=4), {"f1": 0.6})
    write_run_report(str(tmp_path), "demo", _Config(epochs=5), {"f1": 0.7})
    kept = sorted(
        n for n in os.listdir(tmp_path) if n.startswith("metrics.") and n != "metrics.json"
    )
    assert len(kept) == 2
    pages = sorted(n for n in os.listdir(tmp_path) if n.endswith(".html"))
    assert len(pages) == 3 and "report.html" in pages  # earlier pages kept too
    results = sorted(json.loads((tmp_path / n).read_text())["results"]["f1"] for n in kept)
    assert results == [0.5, 0.6] and read_run_report(str(tmp_path))["results"]["f1"] == 0.7
    assert first == str(tmp_path / "metrics.json")
