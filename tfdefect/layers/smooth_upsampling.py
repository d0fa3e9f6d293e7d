"""Bilinear upsampling then Gaussian smoothing of single-channel maps, as two matmuls."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfdefect.layers.gaussian_blur import gaussian_kernel_1d
from tfdefect.serialization import register


def axis_operator(source: int, target: int, sigma: float) -> np.ndarray:
    """(target, source) float32 matrix: ``tf.image.resize`` bilinear from ``source`` to
    ``target`` samples, then the Gaussian filter of ``GaussianBlur`` (symmetric edges)."""
    resize = tf.image.resize(
        np.eye(source, dtype=np.float32)[:, :, None], (target, source), method="bilinear"
    ).numpy()[..., 0]
    kernel = gaussian_kernel_1d(sigma).astype(np.float64)
    radius = len(kernel) // 2
    padded = np.pad(np.eye(target), ((radius, radius), (0, 0)), mode="symmetric")
    blur = np.stack([kernel @ padded[i : i + 2 * radius + 1] for i in range(target)])
    return (blur @ resize.astype(np.float64)).astype(np.float32)


@register
class SmoothUpsampling(keras.layers.Layer):
    """``GaussianBlur(sigma)(tf.image.resize(maps, size, "bilinear"))`` in one step.

    Both steps are linear and separable, so together they are one (H, h) matrix on the
    rows and one (W, w) matrix on the columns: ``rows @ map @ columns^T``. That is a few
    million multiply-adds instead of a resize and two 33-tap convolutions over the full
    image, and two MatMuls in ONNX. Written by hand because neither Keras nor TensorFlow
    has a fused resize-and-smooth. Values equal the two-step form to float rounding.

    Args:
        size: (H, W) of the output.
        sigma: Gaussian standard deviation in output pixels (PaDiM: 4).

    Input shape: (B, h, w) float. Output shape: (B, H, W) float32.
    """

    def __init__(self, size=(224, 224), sigma=4.0, **kwargs):
        super().__init__(**kwargs)
        self.size = tuple(int(s) for s in size)
        self.sigma = float(sigma)
        self._operators = {}

    def operators(self, height: int, width: int):
        key = (height, width)
        if key not in self._operators:
            self._operators[key] = (
                axis_operator(height, self.size[0], self.sigma),
                axis_operator(width, self.size[1], self.sigma),
            )
        return self._operators[key]

    def call(self, maps):
        rows, columns = self.operators(maps.shape[1], maps.shape[2])
        x = tf.cast(maps, tf.float32)
        # constants made in the traced call are graph constants in exports
        x = tf.matmul(tf.constant(rows), x)  # (B, H, w)
        return tf.matmul(x, tf.constant(columns), transpose_b=True)  # (B, H, W)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.size)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "sigma": self.sigma}
