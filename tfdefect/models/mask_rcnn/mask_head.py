"""Mask head: small FCN over 14x14 pooled ROIs, one 28x28 mask per class."""

from __future__ import annotations

import keras
from keras import ops

from tfdefect.serialization import register


@register
class MaskHead(keras.layers.Layer):
    """Four 3x3 convs, a 2x transposed conv and per-class sigmoid masks (He et al. 2017).

    Args:
        num_classes: K including background.
        channels: width of the convolutions.

    Input: pooled ROIs (B, N, 14, 14, C).
    Output: mask probabilities (B, N, 28, 28, K).
    """

    def __init__(self, num_classes=4, channels=128, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.channels = channels
        self.convs = [
            keras.layers.Conv2D(
                channels, 3, padding="same", activation="relu", name=f"mask_conv{i}"
            )
            for i in range(4)
        ]
        self.upsample = keras.layers.Conv2DTranspose(
            channels, 2, strides=2, activation="relu", name="mask_deconv"
        )
        self.predict = keras.layers.Conv2D(num_classes, 1, activation="sigmoid", name="mask")

    def build(self, input_shape):
        size = input_shape[2]
        shape = (None, size, size, input_shape[4])
        for conv in self.convs:
            conv.build(shape)
            shape = (None, size, size, self.channels)
        self.upsample.build(shape)
        self.predict.build((None, 2 * size, 2 * size, self.channels))
        self.built = True

    def call(self, pooled):
        shape = ops.shape(pooled)
        batch, count = shape[0], shape[1]
        x = ops.reshape(pooled, (-1, pooled.shape[2], pooled.shape[3], pooled.shape[4]))
        for conv in self.convs:
            x = conv(x)
        x = self.predict(self.upsample(x))
        return ops.reshape(x, (batch, count, x.shape[1], x.shape[2], self.num_classes))

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, channels=self.channels)
        return config
