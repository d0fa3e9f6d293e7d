"""Gaussian smoothing of single-channel maps (PaDiM's anomaly-map filter)."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfdefect.serialization import register


def gaussian_kernel_1d(sigma: float, truncate: float = 4.0) -> np.ndarray:
    """Normalised 1-D Gaussian of radius ``int(truncate * sigma + 0.5)`` (scipy's rule)."""
    radius = int(truncate * sigma + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (x / sigma) ** 2)
    return (kernel / kernel.sum()).astype(np.float32)


@register
class GaussianBlur(keras.layers.Layer):
    """Separable Gaussian filter with symmetric edge padding.

    Matches ``scipy.ndimage.gaussian_filter(x, sigma, mode="reflect", truncate=4.0)`` per
    image, which PaDiM's reference code applies to the upsampled distance map. Written as
    two 1-D convolutions because Keras has no Gaussian filter layer; both convert to ONNX.

    Args:
        sigma: standard deviation in pixels (PaDiM: 4).

    Input shape: (B, H, W) float. Output shape: (B, H, W) float32.
    """

    def __init__(self, sigma=4.0, **kwargs):
        super().__init__(**kwargs)
        self.sigma = float(sigma)
        self._kernel = gaussian_kernel_1d(self.sigma)

    def call(self, maps):
        radius = len(self._kernel) // 2
        x = tf.cast(maps, tf.float32)[..., None]
        x = tf.pad(x, [[0, 0], [radius, radius], [radius, radius], [0, 0]], mode="SYMMETRIC")
        kernel = tf.constant(self._kernel)
        x = tf.nn.conv2d(x, tf.reshape(kernel, [-1, 1, 1, 1]), strides=1, padding="VALID")
        x = tf.nn.conv2d(x, tf.reshape(kernel, [1, -1, 1, 1]), strides=1, padding="VALID")
        return x[..., 0]

    def get_config(self):
        return {**super().get_config(), "sigma": self.sigma}
