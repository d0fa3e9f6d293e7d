"""Sparse categorical cross-entropy with per-class weights that can change during training."""

from __future__ import annotations

import keras
import numpy as np

from tfdefect.serialization import register


@register
class ClassWeightedCrossentropy(keras.losses.Loss):
    """-w[y] log p[y] for integer labels y and probabilities p (B, K).

    The weights live in a non-trainable variable, ``class_weights``, so callbacks (e.g.
    :class:`tfdefect.callbacks.RecallWeightedTraining`) can raise or lower a class's weight
    between epochs without recompiling.

    Args:
        class_weights: (K,) initial weights (e.g. ``balanced_class_weights``).
    """

    def __init__(self, class_weights, name="class_weighted_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.class_weights = keras.Variable(
            np.asarray(class_weights, dtype="float32"), trainable=False, name="class_weights"
        )

    def call(self, y_true, y_pred):
        labels = keras.ops.cast(keras.ops.reshape(y_true, (-1,)), "int32")
        losses = keras.losses.sparse_categorical_crossentropy(labels, y_pred)
        return losses * keras.ops.take(self.class_weights, labels)

    def get_config(self):
        config = super().get_config()
        config["class_weights"] = np.asarray(self.class_weights.numpy()).tolist()
        return config
