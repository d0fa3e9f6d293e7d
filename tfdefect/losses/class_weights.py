"""Per-class loss weights from label frequencies."""

from __future__ import annotations

import numpy as np


def median_frequency_weights(pixel_counts, max_weight: float = 50.0, power: float = 0.5):
    """Median-frequency balancing (Eigen and Fergus 2015), softened by ``power``.

    ``w_k = (median(f) / f_k) ** power``, clipped to [1 / max_weight, max_weight]; classes
    never seen get ``max_weight``.

    Args:
        pixel_counts: (K,) pixel count per class in the training split.

    Returns:
        (K,) float list of weights.
    """
    counts = np.asarray(pixel_counts, np.float64)
    frequency = counts / max(counts.sum(), 1.0)
    seen = frequency > 0
    weights = np.full(len(counts), max_weight)
    weights[seen] = (np.median(frequency[seen]) / frequency[seen]) ** power
    return np.clip(weights, 1.0 / max_weight, max_weight).tolist()
