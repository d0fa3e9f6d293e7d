"""Anchors for the FPN levels P2..P6 (Lin et al. 2017, Matterport's generate_pyramid_anchors)."""

from __future__ import annotations

import numpy as np

# Matterport defaults for a 1024 px input, scaled down for 224 px chips (defects <= ~20 px).
ANCHOR_PRESETS = {
    "matterport": {
        "scales": (32, 64, 128, 256, 512),
        "ratios": (0.5, 1.0, 2.0),
        "strides": (4, 8, 16, 32, 64),
    },
    "chips6": {
        "scales": (8, 16, 32, 64, 128),
        "ratios": (0.5, 1.0, 2.0),
        "strides": (4, 8, 16, 32, 64),
    },
    # two sides per level, an octave apart by sqrt(2) (RetinaNet's scales per octave): a
    # 10-14 px defect then overlaps some anchor with IoU >= 0.5 instead of only its forced one
    "chips6_dense": {
        "scales": ((8, 11.3), (16, 22.6), (32, 45.3), (64, 90.5), (128, 181.0)),
        "ratios": (0.5, 1.0, 2.0),
        "strides": (4, 8, 16, 32, 64),
    },
}


def anchors_per_location(preset: dict) -> int:
    """Anchors per feature-map cell of an ``ANCHOR_PRESETS`` entry: sides x ratios."""
    sides = preset["scales"][0]
    return len(np.atleast_1d(sides)) * len(preset["ratios"])


def level_anchors(scale, ratios, stride: int, image_size: tuple[int, int]) -> np.ndarray:
    """Anchors of one level: (H/stride * W/stride * S * len(ratios), 4) pixel boxes y1, x1,
    y2, x2, for S sides (``scale`` a number or a tuple of sides).

    Centres sit at ``stride * (i + 0.5)``; an anchor of side s and ratio r has height
    s/sqrt(r) and width s*sqrt(r) (r = width / height). Order: row, column, side, ratio.
    """
    height, width = image_size
    ratios = np.asarray(ratios, np.float64)
    sides = np.atleast_1d(np.asarray(scale, np.float64))
    heights = (sides[:, None] / np.sqrt(ratios)[None]).reshape(-1)
    widths = (sides[:, None] * np.sqrt(ratios)[None]).reshape(-1)
    ys = (np.arange(int(np.ceil(height / stride))) + 0.5) * stride
    xs = (np.arange(int(np.ceil(width / stride))) + 0.5) * stride
    cy, cx, h = np.meshgrid(ys, xs, heights, indexing="ij")
    _, _, w = np.meshgrid(ys, xs, widths, indexing="ij")
    boxes = np.stack([cy - h / 2, cx - w / 2, cy + h / 2, cx + w / 2], axis=-1)
    return boxes.reshape(-1, 4)


def pyramid_anchors(
    image_size: tuple[int, int], scales, ratios, strides, normalized: bool = True
) -> np.ndarray:
    """All anchors of P2..P6 concatenated level by level: (N, 4) float32.

    Args:
        image_size: (H, W) of the network input.
        scales: one anchor side per level (pixels), or a tuple of sides per level.
        ratios: width/height ratios used on every level.
        strides: feature stride of each level.
        normalized: divide by (H, W, H, W) so boxes lie in [0, 1] (may exceed it at borders).
    """
    if not len(scales) == len(strides):
        raise ValueError(f"{len(scales)} scales for {len(strides)} strides")
    anchors = np.concatenate(
        [level_anchors(s, ratios, st, image_size) for s, st in zip(scales, strides, strict=True)]
    )
    if normalized:
        height, width = image_size
        anchors = anchors / np.asarray([height, width, height, width], np.float64)
    return anchors.astype(np.float32)
