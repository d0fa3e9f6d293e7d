"""|a - b| of two tensors (a Siamese fusion term; keras has Subtract but no abs layer)."""

from __future__ import annotations

import keras

from tfdefect.serialization import register


@register
class AbsoluteDifference(keras.layers.Layer):
    """Inputs: [a, b] of the same shape. Output: |a - b|, same shape."""

    def call(self, inputs):
        a, b = inputs
        return keras.ops.abs(a - b)

    def compute_output_shape(self, input_shape):
        return input_shape[0]
