"""Pretraining the ChannelMergeStem on its own (the chips Mask R-CNN report's change (c))."""

from __future__ import annotations

import keras

from tfdefect.backbones.channel_merge import ChannelMergeStem
from tfdefect.layers.image_normalization import ImageNormalization
from tfdefect.losses import DiceFocalLoss


def pretrain_channel_merge(
    train_data,
    path: str,
    *,
    input_channels=6,
    num_classes=4,
    normalization=None,
    epochs=2,
    learning_rate=3e-3,
    verbose=2,
) -> str:
    """Train a ChannelMergeStem (C -> 3) with a small segmentation head and save the stem.

    The stem must keep what tells defects apart when 6 channels become 3, so it is trained
    to let a light 3-layer convolutional head segment the defect classes from its output
    (Dice + focal loss). Only the stem's weights are saved (``path``, ``.weights.h5``);
    pass it as ``merge_weights`` to a model with ``merge_channels=True``.

    Args:
        train_data: tf.data of (images (B, H, W, C) uint8, class masks (B, H, W)).
    """
    normalization = normalization or {"mean": 127.5, "std": 64.0, "reverse_channels": False}
    stem = ChannelMergeStem(input_channels=input_channels, name="channel_merge")
    inputs = keras.Input((None, None, input_channels))
    x = stem(ImageNormalization(**normalization)(inputs))
    for width in (16, 16):
        x = keras.layers.Conv2D(width, 3, padding="same", activation="relu")(x)
    outputs = keras.layers.Conv2D(num_classes, 1, activation="softmax")(x)
    probe = keras.Model(inputs, outputs, name="merge_pretraining")
    probe.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=DiceFocalLoss(num_classes))
    probe.fit(train_data, epochs=epochs, verbose=verbose)
    stem.save_weights(path)
    return path
