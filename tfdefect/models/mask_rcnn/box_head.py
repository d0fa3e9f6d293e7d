"""Second-stage classifier and per-class box regressor over pooled ROIs."""

from __future__ import annotations

import keras
from keras import ops

from tfdefect.serialization import register


@register
class BoxHead(keras.layers.Layer):
    """Two fully connected layers, then class logits and class-specific box deltas.

    Args:
        num_classes: K including background.
        fc_units: width of the two hidden layers (Matterport: 1024).

    Input: pooled ROIs (B, N, 7, 7, C).
    Outputs: logits (B, N, K), probabilities (B, N, K), deltas (B, N, K, 4).
    """

    def __init__(self, num_classes=4, fc_units=256, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.fc_units = fc_units
        self.fc1 = keras.layers.Dense(fc_units, activation="relu", name="box_fc1")
        self.fc2 = keras.layers.Dense(fc_units, activation="relu", name="box_fc2")
        # Detectron's initialisation of the predictors: N(0, 0.01) logits, N(0, 0.001) deltas
        self.classifier = keras.layers.Dense(
            num_classes,
            kernel_initializer=keras.initializers.RandomNormal(stddev=0.01),
            name="box_class_logits",
        )
        self.regressor = keras.layers.Dense(
            num_classes * 4,
            kernel_initializer=keras.initializers.RandomNormal(stddev=0.001),
            name="box_deltas",
        )

    def build(self, input_shape):
        flat = input_shape[2] * input_shape[3] * input_shape[4]
        self.fc1.build((None, flat))
        self.fc2.build((None, self.fc_units))
        self.classifier.build((None, self.fc_units))
        self.regressor.build((None, self.fc_units))
        self.built = True

    def call(self, pooled):
        shape = ops.shape(pooled)
        batch, count = shape[0], shape[1]
        flat = ops.reshape(pooled, (batch, count, -1))
        hidden = self.fc2(self.fc1(flat))
        logits = self.classifier(hidden)
        deltas = ops.reshape(self.regressor(hidden), (batch, count, self.num_classes, 4))
        return logits, ops.softmax(logits, axis=-1), deltas

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, fc_units=self.fc_units)
        return config
