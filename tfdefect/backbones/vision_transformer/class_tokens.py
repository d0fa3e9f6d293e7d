"""Learned tokens prepended to a token sequence (ViT's class token, DeiT's distillation token)."""

from __future__ import annotations

import keras

from tfdefect.serialization import register


@register
class ClassTokens(keras.layers.Layer):
    """(B, N, D) -> (B, count + N, D) with ``count`` learned tokens in front."""

    def __init__(self, count: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.count = count

    def build(self, input_shape):
        self.tokens = self.add_weight(
            shape=(1, self.count, input_shape[-1]),
            initializer=keras.initializers.TruncatedNormal(stddev=0.02),
            name="tokens",
        )

    def call(self, x):
        batch = keras.ops.shape(x)[0]
        tokens = keras.ops.broadcast_to(self.tokens, (batch, self.count, keras.ops.shape(x)[-1]))
        return keras.ops.concatenate([keras.ops.cast(tokens, x.dtype), x], axis=1)

    def compute_output_shape(self, input_shape):
        length = None if input_shape[1] is None else input_shape[1] + self.count
        return (input_shape[0], length, input_shape[2])

    def get_config(self):
        return {**super().get_config(), "count": self.count}
