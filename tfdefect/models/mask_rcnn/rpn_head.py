"""Region proposal network head shared over the FPN levels (Ren et al. 2015, Matterport)."""

from __future__ import annotations

import keras
from keras import ops

from tfdefect.serialization import register


def _small(stddev):
    return keras.initializers.RandomNormal(stddev=stddev)


@register
class RPNHead(keras.layers.Layer):
    """Objectness and box deltas for every anchor of every level, one set of weights.

    Args:
        anchors_per_location: anchors per feature-map cell (sides x ratios).
        channels: width of the shared 3x3 convolution.

    Input: list of feature maps [(B, h_l, w_l, C) for each level].
    Outputs: (logits (B, A, 2), probabilities (B, A, 2), deltas (B, A, 4)), A = sum over
    levels of h_l * w_l * anchors_per_location, ordered level, row, column, anchor as in
    ``pyramid_anchors``.
    """

    def __init__(self, anchors_per_location=3, channels=256, **kwargs):
        super().__init__(**kwargs)
        self.anchors_per_location = anchors_per_location
        self.channels = channels
        # Detectron's initialisation: N(0, 0.01) weights, so that the first steps start from
        # near-zero deltas and even logits instead of large random boxes.
        self.shared = keras.layers.Conv2D(
            channels,
            3,
            padding="same",
            activation="relu",
            kernel_initializer=_small(0.01),
            name="rpn_conv_shared",
        )
        self.classifier = keras.layers.Conv2D(
            2 * anchors_per_location, 1, kernel_initializer=_small(0.01), name="rpn_class_raw"
        )
        self.regressor = keras.layers.Conv2D(
            4 * anchors_per_location, 1, kernel_initializer=_small(0.01), name="rpn_bbox_pred"
        )

    def build(self, input_shapes):
        shape = input_shapes[0]
        self.shared.build(shape)
        head_shape = (*shape[:-1], self.channels)
        self.classifier.build(head_shape)
        self.regressor.build(head_shape)
        self.built = True

    def call(self, features):
        logits, deltas = [], []
        for feature in features:
            x = self.shared(feature)
            batch = ops.shape(x)[0]
            logits.append(ops.reshape(self.classifier(x), (batch, -1, 2)))
            deltas.append(ops.reshape(self.regressor(x), (batch, -1, 4)))
        logits = ops.concatenate(logits, axis=1)
        return logits, ops.softmax(logits, axis=-1), ops.concatenate(deltas, axis=1)

    def get_config(self):
        config = super().get_config()
        config.update(anchors_per_location=self.anchors_per_location, channels=self.channels)
        return config
