"""Warm-up and cosine decay of the learning rate, per step, in every recipe's fit."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfdefect.config import ConfigError
from tfdefect.config_rules import check_config_values
from tfdefect.training.fit import fit_model
from tfdefect.training.learning_rate import ScheduledLearningRate, learning_rate_for
from tfdefect.training.train_config import TrainConfig


def test_warmup_then_cosine_reaches_the_peak_and_ends_at_zero():
    schedule = learning_rate_for(
        TrainConfig(learning_rate=1e-3, warmup_steps=10, lr_decay="cosine"), 110
    )
    rates = [float(schedule(step)) for step in (0, 5, 10, 60, 110)]
    np.testing.assert_allclose(rates, [0.0, 5e-4, 1e-3, 5e-4, 0.0], atol=1e-9)
    assert learning_rate_for(TrainConfig(learning_rate=2e-3), 100) == 2e-3


class _RecordRate(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.rates = []

    def on_train_batch_end(self, batch, logs=None):
        self.rates.append(float(self.model.optimizer.learning_rate.numpy()))


def _data():
    x = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)
    return tf.data.Dataset.from_tensor_slices((x, x[:, :1])).batch(4)


def test_fit_model_follows_the_schedule_step_by_step(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(4e-3), loss="mse")
    config = TrainConfig(
        epochs=2,
        learning_rate=1.0,
        warmup_steps=2,
        lr_decay="cosine",
        monitor="val_loss",
        monitor_mode="min",
        tensorboard=False,
    )
    recorder = _RecordRate()
    fit_model(model, _data(), _data(), config, str(tmp_path), extra_callbacks=[recorder], verbose=0)
    # 8 steps, peak = the optimizer's own rate (4e-3), not config.learning_rate
    expected = learning_rate_for(
        TrainConfig(learning_rate=4e-3, warmup_steps=2, lr_decay="cosine"), 8
    )
    np.testing.assert_allclose(recorder.rates, [float(expected(s)) for s in range(8)], rtol=1e-5)
    assert recorder.rates[1] == pytest.approx(2e-3) and recorder.rates[-1] < 1e-3


def test_a_schedule_without_known_steps_is_refused(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    config = TrainConfig(
        epochs=1, lr_decay="cosine", monitor="loss", monitor_mode="min", tensorboard=False
    )
    endless = _data().repeat()
    with pytest.raises(ValueError, match="set train.steps_per_epoch"):
        model.fit(
            endless,
            epochs=1,
            steps_per_epoch=None,
            verbose=0,
            callbacks=[ScheduledLearningRate(config)],
        )


def test_a_constant_rate_is_left_alone():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="mse")
    recorder = _RecordRate()
    config = TrainConfig(learning_rate=1.0, lr_decay="constant")
    model.fit(_data(), epochs=1, verbose=0, callbacks=[ScheduledLearningRate(config), recorder])
    np.testing.assert_allclose(recorder.rates, [3e-3] * 4, rtol=1e-6)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("lr_decay", "linear", "choose from constant, cosine"),
        ("warmup_steps", -5, "must be >= 0"),
    ],
)
def test_schedule_settings_are_checked(field, value, message):
    with pytest.raises(ConfigError, match=message):
        check_config_values(TrainConfig(**{field: value}))
