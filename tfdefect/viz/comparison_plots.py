"""Bar charts comparing models on several metrics."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def plot_metric_bars(rows: list[dict], metrics: list[str], path: str, title: str = "") -> str:
    """Grouped bars: one group per row (``row["model"]``), one bar per metric (0..1)."""
    names = [row["model"] for row in rows]
    positions = np.arange(len(names))
    width = 0.8 / len(metrics)
    figure, axis = plt.subplots(figsize=(max(6, 1.1 * len(names) + 2), 4))
    for i, metric in enumerate(metrics):
        values = [np.nan if row.get(metric) is None else row[metric] for row in rows]
        axis.bar(positions + (i - (len(metrics) - 1) / 2) * width, values, width, label=metric)
    axis.set_xticks(positions, names, rotation=30, ha="right")
    axis.set_ylim(0, 1.05)
    axis.grid(axis="y", alpha=0.3)
    axis.legend(fontsize=8, ncols=len(metrics), loc="lower center")
    axis.set_title(title, fontsize=10)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(figure)
    return path
