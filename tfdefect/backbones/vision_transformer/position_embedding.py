"""Learned absolute position embedding added to a fixed-length token sequence."""

from __future__ import annotations

import keras

from tfdefect.serialization import register


@register
class PositionEmbedding(keras.layers.Layer):
    """(B, N, D) -> (B, N, D) + a learned (N, D) table (N fixed at build time)."""

    def build(self, input_shape):
        self.embedding = self.add_weight(
            shape=(1, input_shape[1], input_shape[2]),
            initializer=keras.initializers.TruncatedNormal(stddev=0.02),
            name="embedding",
        )

    def call(self, x):
        return x + keras.ops.cast(self.embedding, x.dtype)
