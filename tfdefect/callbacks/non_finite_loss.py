"""``StopOnNonFiniteLoss``: training stops with a clear error instead of a NaN model."""

from __future__ import annotations

import math

import keras


class NonFiniteLossError(ValueError):
    """The training loss became NaN or infinite."""


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Raise NonFiniteLossError at the first step whose loss is not finite, naming the
    epoch, the step, the learning rate and the usual causes (Keras' TerminateOnNaN stops
    quietly, and the run would then save and export a model that outputs NaN)."""

    def __init__(self):
        super().__init__()
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(float(loss)):
            return
        rate = self.model.optimizer.learning_rate if self.model.optimizer else None
        rate_text = f"{float(keras.ops.convert_to_numpy(rate)):g}" if rate is not None else "?"
        raise NonFiniteLossError(
            f"training loss is {float(loss)} at epoch {self._epoch + 1}, step {batch + 1} "
            f"(learning rate {rate_text}): lower train.learning_rate, or look for NaN / "
            "infinite values in the inputs or labels; nothing was exported"
        )
