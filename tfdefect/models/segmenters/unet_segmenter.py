"""A plain Keras U-Net for semantic segmentation of any channel count."""

from __future__ import annotations

import keras

from tfdefect.backbones.input_normalization import normalization_for
from tfdefect.models.segmenters.stem import apply_input_stem
from tfdefect.registry import register_model
from tfdefect.serialization import register


def _conv_block(x, filters, name, momentum):
    for i in range(2):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv{i}")(
            x
        )
        x = keras.layers.BatchNormalization(momentum=momentum, name=f"{name}_bn{i}")(x)
        x = keras.layers.Activation("relu", name=f"{name}_relu{i}")(x)
    return x


@register_model("segmenter_unet", aliases=("unet",))
@register
class UNetSegmenter(keras.Model):
    """U-Net (Ronneberger et al. 2015) with batch norm, ending in per-pixel class probabilities.

    Args:
        num_classes: K, including background (4 for chips6).
        image_shape: (H, W, C); H and W may be None but must then be multiples of
            2 ** len(filters) - 1 at call time.
        filters: channels per encoder level; the decoder mirrors them.
        merge_channels: put a ChannelMergeStem (C -> 3) in front of the network.
        merge_weights: optional ``.weights.h5`` file of a separately trained stem.
        normalization: dict(mean, std, reverse_channels) for ImageNormalization; defaults
            to the chips6 preset.
        batch_norm_momentum: momentum of the BatchNormalization moving statistics.

    Input shape: (B, H, W, C), uint8 or float pixel values 0..255.
    Output shape: (B, H, W, K) float32 softmax probabilities.
    """

    task = "segmentation"  # what the exports and `tfdefect.load` serve it as

    def __init__(
        self,
        num_classes=4,
        image_shape=(None, None, 6),
        filters=(16, 32, 64, 128),
        merge_channels=False,
        merge_weights=None,
        normalization=None,
        batch_norm_momentum=0.99,
        **kwargs,
    ):
        normalization = normalization or normalization_for(None)
        # === Functional model ===
        inputs = keras.Input(tuple(image_shape), name="images")
        x, _ = apply_input_stem(
            inputs,
            normalization=normalization,
            merge_channels=merge_channels,
            merge_weights=merge_weights,
        )
        skips = []
        for level, width in enumerate(filters[:-1]):
            x = _conv_block(x, width, f"down{level}", batch_norm_momentum)
            skips.append(x)
            x = keras.layers.MaxPooling2D(name=f"pool{level}")(x)
        x = _conv_block(x, filters[-1], "bottleneck", batch_norm_momentum)
        for level in reversed(range(len(filters) - 1)):
            x = keras.layers.Conv2DTranspose(
                filters[level], 2, strides=2, name=f"up{level}_transpose"
            )(x)
            x = keras.layers.Concatenate(name=f"up{level}_concat")([x, skips[level]])
            x = _conv_block(x, filters[level], f"up{level}", batch_norm_momentum)
        logits = keras.layers.Conv2D(num_classes, 1, name="logits")(x)
        outputs = keras.layers.Softmax(name="probabilities", dtype="float32")(logits)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        # === Config ===
        self.num_classes = num_classes
        self.image_shape = tuple(image_shape)
        self.filters = tuple(filters)
        self.merge_channels = merge_channels
        self.normalization = normalization
        self.batch_norm_momentum = batch_norm_momentum

    @property
    def size_multiple(self) -> int:
        """Input sides must be multiples of this (one halving per pooled level)."""
        return 2 ** (len(self.filters) - 1)

    def get_config(self):
        return {
            "num_classes": self.num_classes,
            "image_shape": self.image_shape,
            "filters": self.filters,
            "merge_channels": self.merge_channels,
            "normalization": self.normalization,
            "batch_norm_momentum": self.batch_norm_momentum,
            "name": self.name,
            "trainable": self.trainable,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
