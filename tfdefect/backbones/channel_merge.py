"""Channel-merge stem: learned 1x1 convolutions that map N input channels to 3."""

from __future__ import annotations

import os

import keras

from tfdefect.serialization import register


@register
class ChannelMergeStem(keras.Model):
    """Maps a C-channel (normalised) image to 3 channels for a 3-channel backbone.

    Two 1x1 convolutions (C -> hidden, ReLU -> 3), so every output pixel depends only on
    the same pixel's C input channels. It can be trained on its own and stored with
    ``save_weights("merge.weights.h5")``; pass that file as ``weights`` to load it.

    Args:
        input_channels: C, the number of input channels (6 for chips6).
        output_channels: channels handed to the backbone (3).
        hidden_channels: width of the hidden 1x1 layer.
        weights: None (random init) or a path to a ``.weights.h5`` file of this stem.

    Input shape: (B, H, W, C) float32. Output shape: (B, H, W, output_channels) float32.
    """

    def __init__(
        self, input_channels=6, output_channels=3, hidden_channels=16, weights=None, **kwargs
    ):
        # === Layers ===
        hidden = keras.layers.Conv2D(hidden_channels, 1, activation="relu", name="merge_hidden")
        project = keras.layers.Conv2D(output_channels, 1, name="merge_project")
        # === Functional model ===
        inputs = keras.Input((None, None, input_channels), name="channels")
        outputs = project(hidden(inputs))
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        # === Config ===
        self.input_channels = input_channels
        self.output_channels = output_channels
        self.hidden_channels = hidden_channels
        if weights is not None:
            if not os.path.exists(weights):
                raise FileNotFoundError(f"channel-merge weights not found: {weights}")
            self.load_weights(weights)

    def get_config(self):
        return {
            "input_channels": self.input_channels,
            "output_channels": self.output_channels,
            "hidden_channels": self.hidden_channels,
            "name": self.name,
            "trainable": self.trainable,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
