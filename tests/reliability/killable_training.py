"""A tiny training run for the kill tests: ``python -m tests.reliability.killable_training
WORKDIR EPOCHS``. Touches ``WORKDIR/ready-<pid>`` when its first epoch ends; exits 0 when
done."""

import os
import sys

import keras
import numpy as np

from tfdefect.training.fit import fit_model
from tfdefect.training.train_config import TrainConfig


class _Ready(keras.callbacks.Callback):
    def __init__(self, path):
        super().__init__()
        self.path = path

    def on_epoch_end(self, epoch, logs=None):
        if not os.path.exists(self.path):
            open(self.path, "w").close()


def main(workdir: str, epochs: int) -> None:
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 32)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    model = keras.Sequential(
        [keras.Input((32,)), keras.layers.Dense(256, activation="relu"), keras.layers.Dense(2)]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        run_eagerly=True,  # no tf.function tracing: each restart trains at once
    )
    config = TrainConfig(
        epochs=epochs,
        batch_size=16,
        steps_per_epoch=2,
        early_stopping_patience=10**6,
        monitor="val_loss",
        monitor_mode="min",
        tensorboard=False,
    )
    train = (x, y)
    import tensorflow as tf

    data = tf.data.Dataset.from_tensor_slices(train).repeat().batch(16)
    validation = tf.data.Dataset.from_tensor_slices(train).batch(32)
    fit_model(
        model,
        data,
        validation,
        config,
        workdir,
        extra_callbacks=[_Ready(os.path.join(workdir, f"ready-{os.getpid()}"))],
        verbose=0,
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
