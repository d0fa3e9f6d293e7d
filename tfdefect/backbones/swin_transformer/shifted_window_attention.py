"""Swin Transformer's (shifted) window self-attention with relative position bias."""

from __future__ import annotations

import keras
import numpy as np

from tfdefect.serialization import register


def relative_position_index(window: int) -> np.ndarray:
    """(window^2 * window^2,) index into the ((2w-1)^2, heads) bias table."""
    coords = np.stack(np.meshgrid(np.arange(window), np.arange(window), indexing="ij"))
    coords = coords.reshape(2, -1)
    relative = (coords[:, :, None] - coords[:, None, :]).transpose(1, 2, 0) + (window - 1)
    return (relative[..., 0] * (2 * window - 1) + relative[..., 1]).reshape(-1)


def shifted_window_mask(height: int, width: int, window: int, shift: int) -> np.ndarray:
    """(windows, w^2, w^2) additive mask: -100 between tokens that came from different
    regions of the rolled map, 0 otherwise (Liu et al. 2021)."""
    regions = np.zeros((height, width))
    label = 0
    for rows in (slice(0, -window), slice(-window, -shift), slice(-shift, None)):
        for cols in (slice(0, -window), slice(-window, -shift), slice(-shift, None)):
            regions[rows, cols] = label
            label += 1
    windows = regions.reshape(height // window, window, width // window, window)
    windows = windows.transpose(0, 2, 1, 3).reshape(-1, window * window)
    different = windows[:, :, None] != windows[:, None, :]
    return np.where(different, -100.0, 0.0).astype("float32")


@register
class ShiftedWindowAttention(keras.layers.Layer):
    """Multi-head self-attention inside non-overlapping windows of a (B, H, W, C) map,
    optionally after rolling the map by ``shift`` (then masked so that tokens only attend
    within their original region). H and W must be multiples of ``window``.

    Args:
        num_heads: attention heads (C divisible by it).
        window: window side in tokens.
        shift: 0 (W-MSA) or the cyclic shift of SW-MSA (window // 2).
    """

    def __init__(self, num_heads: int, window: int, shift: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.window = window
        self.shift = shift

    def build(self, input_shape):
        _, height, width, channels = input_shape
        if height % self.window or width % self.window:
            raise ValueError(f"map {height}x{width} is not a multiple of window {self.window}")
        tokens = self.window * self.window
        self.qkv = keras.layers.Dense(3 * channels, name="qkv")
        self.qkv.build((None, tokens, channels))
        self.projection = keras.layers.Dense(channels, name="projection")
        self.projection.build((None, tokens, channels))
        self.bias_table = self.add_weight(
            shape=((2 * self.window - 1) ** 2, self.num_heads),
            initializer=keras.initializers.TruncatedNormal(stddev=0.02),
            name="relative_position_bias",
        )
        self.bias_index = relative_position_index(self.window)
        self.mask = (
            shifted_window_mask(height, width, self.window, self.shift) if self.shift else None
        )
        self.map_shape = (height, width, channels)

    def call(self, x):
        ops = keras.ops
        height, width, channels = self.map_shape
        w, heads = self.window, self.num_heads
        tokens, head_dim = w * w, channels // heads
        if self.shift:
            x = ops.roll(x, (-self.shift, -self.shift), axis=(1, 2))
        windows = ops.reshape(x, (-1, height // w, w, width // w, w, channels))
        windows = ops.reshape(ops.transpose(windows, (0, 1, 3, 2, 4, 5)), (-1, tokens, channels))
        qkv = ops.reshape(self.qkv(windows), (-1, tokens, 3, heads, head_dim))
        qkv = ops.transpose(qkv, (2, 0, 3, 1, 4))
        query, key, value = qkv[0] * head_dim**-0.5, qkv[1], qkv[2]
        scores = ops.matmul(query, ops.transpose(key, (0, 1, 3, 2)))
        bias = ops.take(self.bias_table, self.bias_index, axis=0)
        scores = scores + ops.transpose(ops.reshape(bias, (tokens, tokens, heads)), (2, 0, 1))
        if self.mask is not None:
            count = self.mask.shape[0]
            scores = ops.reshape(scores, (-1, count, heads, tokens, tokens))
            scores = scores + ops.convert_to_tensor(self.mask)[None, :, None]
            scores = ops.reshape(scores, (-1, heads, tokens, tokens))
        attended = ops.matmul(ops.softmax(scores, axis=-1), value)
        attended = ops.reshape(ops.transpose(attended, (0, 2, 1, 3)), (-1, tokens, channels))
        attended = self.projection(attended)
        merged = ops.reshape(attended, (-1, height // w, width // w, w, w, channels))
        merged = ops.reshape(
            ops.transpose(merged, (0, 1, 3, 2, 4, 5)), (-1, height, width, channels)
        )
        if self.shift:
            merged = ops.roll(merged, (self.shift, self.shift), axis=(1, 2))
        return merged

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "window": self.window,
            "shift": self.shift,
        }
