"""Raise the loss weight of classes whose validation recall lags, between epochs."""

from __future__ import annotations

import logging

import keras
import numpy as np

logger = logging.getLogger(__name__)


class RecallWeightedTraining(keras.callbacks.Callback):
    """After each epoch, multiply each class's loss weight by exp(strength * (macro recall
    - class recall)), so classes below the macro recall gain weight and classes above it
    lose some; the multiplier on the starting weight stays within [min_factor, max_factor].
    Reads ``val_recall_<class>`` from the logs: list it after :class:`PerClassRecall`.
    Logs ``loss_weight_<class>`` and prints the new weights each epoch.

    Args:
        loss: a :class:`tfdefect.losses.ClassWeightedCrossentropy` used by the model.
        class_names: K names, in label order.
        strength: step size of the update.
        min_factor / max_factor: bounds on weight / starting weight.
        warmup_epochs: epochs trained at the starting weights before the first update (the
            update after epoch ``warmup_epochs`` is the first; 0 and 1 both update after
            the first epoch). From random weights the early recalls swing between 0 and 1
            from one epoch to the next; weights that follow them make the loss swing too
            and delay learning.
    """

    def __init__(
        self,
        loss,
        class_names,
        strength=2.0,
        min_factor=0.5,
        max_factor=4.0,
        verbose=True,
        warmup_epochs=0,
    ):
        if warmup_epochs < 0:
            raise ValueError(f"warmup_epochs {warmup_epochs}: must be 0 or more")
        super().__init__()
        self.loss = loss
        self.class_names = list(class_names)
        self.strength = strength
        self.min_factor = min_factor
        self.max_factor = max_factor
        self.verbose = verbose
        self.warmup_epochs = warmup_epochs
        self.start = np.asarray(loss.class_weights.numpy(), dtype=float).copy()
        self.factors = np.ones(len(self.class_names))

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        if "val_macro_recall" not in logs:
            raise KeyError("RecallWeightedTraining needs PerClassRecall listed before it")
        macro = logs["val_macro_recall"]
        if epoch + 1 < self.warmup_epochs:  # still warming up: weights stay as they start
            self._log(logs, self.start * self.factors)
            return
        for index, name in enumerate(self.class_names):
            recall = logs.get(f"val_recall_{name}", np.nan)
            if not np.isnan(recall):
                self.factors[index] *= np.exp(self.strength * (macro - recall))
        self.factors = np.clip(self.factors, self.min_factor, self.max_factor)
        weights = self.start * self.factors
        self.loss.class_weights.assign(weights.astype("float32"))
        self._log(logs, weights)

    def _log(self, logs, weights):
        for name, weight in zip(self.class_names, weights, strict=True):
            logs[f"loss_weight_{name}"] = float(weight)
        if self.verbose:
            logger.info(
                "  loss weights: "
                + ", ".join(f"{n} {w:.2f}" for n, w in zip(self.class_names, weights, strict=True))
            )
