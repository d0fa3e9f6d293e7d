"""Per-run evaluation reporting shared by the recipes."""

from tfdefect.evaluation.run_report import read_run_report, write_run_report

__all__ = ["read_run_report", "write_run_report"]
