"""FPN top-down pathway producing P2..P6 (Lin et al. 2017), as in Matterport."""

from __future__ import annotations

import keras

from tfdefect.serialization import register

LEVELS = ("P2", "P3", "P4", "P5")


@register
class FeaturePyramid(keras.layers.Layer):
    """Lateral 1x1 convs, top-down upsampling and 3x3 smoothing; P6 = stride-2 pool of P5.

    Args:
        channels: channels of every pyramid level.

    Input: dict {"P2".."P5"} of backbone features (strides 4..32).
    Output: list [P2, P3, P4, P5, P6], each (B, H/s, W/s, channels).
    """

    def __init__(self, channels=256, **kwargs):
        super().__init__(**kwargs)
        self.channels = channels
        self.laterals = {
            lv: keras.layers.Conv2D(channels, 1, name=f"fpn_c{lv[1]}p{lv[1]}") for lv in LEVELS
        }
        self.smooth = {
            lv: keras.layers.Conv2D(channels, 3, padding="same", name=f"fpn_p{lv[1]}")
            for lv in LEVELS
        }
        self.upsample = keras.layers.UpSampling2D(2)
        self.pool = keras.layers.MaxPooling2D(1, strides=2, name="fpn_p6")

    def build(self, input_shape):
        for level in LEVELS:
            self.laterals[level].build(input_shape[level])
            self.smooth[level].build((*input_shape[level][:-1], self.channels))
        self.built = True

    def call(self, features):
        top = None
        outputs = {}
        for level in reversed(LEVELS):
            lateral = self.laterals[level](features[level])
            top = lateral if top is None else lateral + self.upsample(top)
            outputs[level] = self.smooth[level](top)
        pyramid = [outputs[level] for level in LEVELS]
        return pyramid + [self.pool(pyramid[-1])]

    def get_config(self):
        config = super().get_config()
        config.update(channels=self.channels)
        return config
