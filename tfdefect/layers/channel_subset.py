"""Keep a fixed subset of channels (PaDiM's random dimensionality reduction)."""

from __future__ import annotations

import keras

from tfdefect.serialization import register


@register
class ChannelSubset(keras.layers.Layer):
    """``x[..., indices]``.

    Args:
        indices: channel indices to keep, in output order.

    Input shape: (..., C). Output shape: (..., len(indices)).
    """

    def __init__(self, indices, **kwargs):
        super().__init__(**kwargs)
        self.indices = [int(i) for i in indices]

    def call(self, x):
        return keras.ops.take(x, self.indices, axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], len(self.indices))

    def get_config(self):
        return {**super().get_config(), "indices": self.indices}
