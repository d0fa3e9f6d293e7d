"""Selecting image channels in a tf.data pipeline."""

from __future__ import annotations


def first_channels(dataset, channels: int, total: int = 6):
    """Keep the first ``channels`` of ``total`` image channels of an (image, target)
    dataset: (..., H, W, total) -> (..., H, W, channels); the dataset itself when equal."""
    if channels == total:
        return dataset
    return dataset.map(lambda image, target: (image[..., :channels], target))
