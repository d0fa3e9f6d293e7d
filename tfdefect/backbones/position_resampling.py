"""Resampling a ViT position table to another patch grid, as timm's
``resample_abs_pos_embed`` does (bicubic with antialiasing, i.e. PyTorch's
``F.interpolate(mode="bicubic", antialias=True)``), in NumPy.

Written by hand: the checkpoint is read without torch, and no NumPy / TensorFlow resize
computes PyTorch's antialiased bicubic (PIL's kernel, a = -0.5, widened when shrinking).
"""

from __future__ import annotations

import numpy as np


def _cubic(x: np.ndarray, a: float = -0.5) -> np.ndarray:
    x = np.abs(x)
    return np.where(
        x <= 1,
        ((a + 2) * x - (a + 3)) * x * x + 1,
        np.where(x < 2, (((x - 5) * x + 8) * x - 4) * a, 0.0),
    )


def _weights(source: int, target: int) -> np.ndarray:
    """(target, source) matrix of PyTorch's antialiased bicubic along one axis."""
    scale = source / target
    support = 2.0 * max(scale, 1.0)
    inverse = 1.0 / max(scale, 1.0)
    matrix = np.zeros((target, source))
    for i in range(target):
        centre = (i + 0.5) * scale
        low = max(int(centre - support + 0.5), 0)
        high = min(int(centre + support + 0.5), source)
        taps = np.arange(low, high)
        w = _cubic((taps - centre + 0.5) * inverse)
        matrix[i, low:high] = w / w.sum()
    return matrix


def resample_position_table(table: np.ndarray, prefix_tokens: int, grid) -> np.ndarray:
    """(1, prefix + h*w, D) -> (1, prefix + H*W, D) for ``grid`` = (H, W); the prefix
    (class / distillation) rows are kept."""
    prefix, patches = table[:, :prefix_tokens], table[0, prefix_tokens:]
    side = int(round(np.sqrt(len(patches))))
    if side * side != len(patches):
        raise ValueError(f"position table of {len(patches)} patches is not a square grid")
    if tuple(grid) == (side, side):
        return table
    square = patches.reshape(side, side, -1).astype(np.float64)
    rows, columns = _weights(side, grid[0]), _weights(side, grid[1])
    resized = np.einsum("ij,jkd,lk->ild", rows, square, columns)
    return np.concatenate([prefix, resized.reshape(1, -1, table.shape[-1])], 1).astype(table.dtype)
