"""Per-channel image normalisation inside the model graph."""

from __future__ import annotations

import keras
from keras import ops

from tfdefect.serialization import register


@register
class ImageNormalization(keras.layers.Layer):
    """Casts raw pixel values to float and normalises them per channel.

    ``y = (x[..., order] - mean) / std`` where ``order`` reverses the channels when
    ``reverse_channels`` is set (Caffe-style BGR backbones such as keras' ResNet50).

    Args:
        mean: per-channel means in pixel units (0..255), or one value for all channels.
        std: per-channel standard deviations in pixel units, or one value.
        reverse_channels: reverse the channel order before normalising.

    Input shape: (B, H, W, C), any numeric dtype (uint8 from a server, float from tf.data).
    Output shape: (B, H, W, C) float32.
    """

    def __init__(self, mean=127.5, std=127.5, reverse_channels=False, **kwargs):
        super().__init__(**kwargs)
        self.mean = list(mean) if isinstance(mean, (list, tuple)) else float(mean)
        self.std = list(std) if isinstance(std, (list, tuple)) else float(std)
        self.reverse_channels = reverse_channels

    def build(self, input_shape):
        channels = input_shape[-1]
        for name, value in (("mean", self.mean), ("std", self.std)):
            if isinstance(value, list) and len(value) != channels:
                raise ValueError(
                    f"ImageNormalization: {name} has {len(value)} values for {channels} channels"
                )
        self.built = True

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        if self.reverse_channels:
            x = ops.flip(x, axis=-1)
        mean = ops.convert_to_tensor(self.mean, "float32")
        std = ops.convert_to_tensor(self.std, "float32")
        return (x - mean) / std

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(mean=self.mean, std=self.std, reverse_channels=self.reverse_channels)
        return config
