"""Pool a token sequence by the mean of its first tokens (class / distillation tokens)."""

from __future__ import annotations

import keras

from tfdefect.serialization import register


@register
class LeadingTokenMean(keras.layers.Layer):
    """(B, N, D) -> (B, D): the mean of tokens 0..count-1."""

    def __init__(self, count: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.count = count

    def call(self, x):
        return keras.ops.mean(x[:, : self.count], axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def get_config(self):
        return {**super().get_config(), "count": self.count}
