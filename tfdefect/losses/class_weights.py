"""Per-class loss weights from label frequencies: image labels (classifiers) and pixel
counts (segmenters)."""

from __future__ import annotations

import numpy as np
from sklearn.utils.class_weight import compute_class_weight


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


def balanced_class_weights(labels, num_classes: int, power: float = 1.0) -> np.ndarray:
    """(K,) weights n / (K_present * n_c) (scikit-learn's "balanced"), so every present
    class carries the same total weight, raised to ``power`` (1 balanced, 0.5 tempered: rare
    classes with a handful of images otherwise make the gradient noisy, 0 unweighted) and
    rescaled to mean 1 over present classes; classes absent from ``labels`` get 0 (they
    cannot be learned from this split)."""
    labels = np.asarray(labels).astype(int).ravel()
    if labels.size == 0:
        raise ValueError("class weights need at least one training label")
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(
            f"labels must lie in [0, {num_classes}), got {labels.min()}..{labels.max()}"
        )
    present = np.unique(labels)
    weights = np.zeros(num_classes)
    balanced = compute_class_weight("balanced", classes=present, y=labels) ** power
    weights[present] = balanced / balanced.mean() if power != 1.0 else balanced
    return weights
