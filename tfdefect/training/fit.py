"""The one training entry used by every recipe: ``model.fit`` with standard callbacks."""

from __future__ import annotations

import logging
import os
import sys
import time

import keras

from tfdefect.callbacks.durable_backup import DurableBackupAndRestore
from tfdefect.callbacks.epoch_log import EpochLog
from tfdefect.callbacks.non_finite_loss import StopOnNonFiniteLoss
from tfdefect.console import shows_progress
from tfdefect.training.learning_rate import ScheduledLearningRate, needs_schedule
from tfdefect.training.train_config import TrainConfig

logger = logging.getLogger(__name__)


class EpochProgress(keras.callbacks.Callback):
    """Logs one line per epoch (INFO): time taken, an ETA and the logged metrics."""

    def __init__(self, epochs: int):
        super().__init__()
        self.epochs = epochs
        self._started = None
        self._durations: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        duration = time.perf_counter() - self._started
        self._durations.append(duration)
        remaining = (self.epochs - epoch - 1) * sum(self._durations) / len(self._durations)
        metrics = " ".join(
            f"{k}={v:.4f}" for k, v in sorted((logs or {}).items()) if isinstance(v, (int, float))
        )
        logger.info(
            f"[epoch {epoch + 1}/{self.epochs}] {duration:.1f}s, eta {remaining:.0f}s: {metrics}"
        )


def training_callbacks(config: TrainConfig, workdir: str) -> list[keras.callbacks.Callback]:
    """Learning-rate schedule (when ``config`` asks for warm-up or decay), non-finite loss
    guard, kill-safe backups, best checkpoint (.keras), one history.csv row per epoch, early
    stopping, progress lines, TensorBoard."""
    os.makedirs(workdir, exist_ok=True)
    checkpoint = keras.callbacks.ModelCheckpoint(
        os.path.join(workdir, "best.keras"),
        monitor=config.monitor,
        mode=config.monitor_mode,
        save_best_only=True,
    )
    early_stopping = keras.callbacks.EarlyStopping(
        monitor=config.monitor,
        mode=config.monitor_mode,
        patience=config.early_stopping_patience,
        restore_best_weights=True,
    )
    backup = DurableBackupAndRestore(
        os.path.join(workdir, "backup"),
        tracked={
            "checkpoint": (checkpoint, ("best",)),
            "early_stopping": (early_stopping, ("wait", "best", "best_epoch")),
        },
    )
    # an epoch's row, best checkpoint and early-stopping count are all written before the
    # backup that marks the epoch done, so a kill between them repeats the epoch, never skips
    callbacks = [
        StopOnNonFiniteLoss(),
        checkpoint,
        EpochLog(os.path.join(workdir, "history.csv")),
        early_stopping,
        backup,
        EpochProgress(config.epochs),
    ]
    if needs_schedule(config):
        callbacks.insert(0, ScheduledLearningRate(config))
    if config.tensorboard:
        callbacks.append(
            keras.callbacks.TensorBoard(os.path.join(workdir, "tensorboard"), profile_batch=0)
        )
    return callbacks


def _patch_for_multi_worker(model: keras.Model, train_data) -> None:
    """Work around keras-team/keras#20585 (open): Keras 3 ``fit`` fails under
    MultiWorkerMirroredStrategy in two places, both patched here on this model only:

    1. before training it reduces a whole distributed (x, y) batch with one
       ``strategy.reduce`` call to infer shapes, which collective ops reject: the patch builds
       the compiled state from one local batch and skips that step;
    2. it reduces each step's scalar logs with ``strategy.reduce(..., axis=0)``, which needs
       a batch axis: train/test steps return their logs as shape (1,) tensors, reduced back
       to scalars by that call.

    Uses private Keras API (``_symbolic_build``, ``_maybe_symbolic_build``); no effect for
    other strategies.
    """
    import tensorflow as tf

    if not isinstance(model.distribute_strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return
    data_batch = next(iter(train_data.take(1)))
    with model.distribute_strategy.scope():
        model._symbolic_build(data_batch=data_batch)
    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None

    def with_batch_axis(step):
        def wrapped(data):
            return {k: tf.reshape(v, [1]) for k, v in step(data).items()}

        return wrapped

    model.train_step = with_batch_axis(model.train_step)
    model.test_step = with_batch_axis(model.test_step)


def fit_model(
    model: keras.Model,
    train_data,
    validation_data,
    config: TrainConfig,
    workdir: str,
    extra_callbacks=None,
    verbose: int | None = None,
    metric_callbacks=None,
):
    """Train a compiled ``model`` with the standard callbacks; return its History.

    The model must be built and compiled inside the distribution strategy's scope. A run
    interrupted for any reason, a kill included, resumes from ``<workdir>/backup`` on the
    next call with the same workdir (DurableBackupAndRestore); the best model by
    ``config.monitor`` is ``<workdir>/best.keras``; ``<workdir>/history.csv`` has one row per
    finished epoch (EpochLog). A NaN or infinite loss stops training with
    NonFiniteLossError.
    """
    if verbose is None:  # Keras' bar on a terminal; EpochProgress logs a line per epoch
        verbose = 1 if sys.stdout.isatty() and shows_progress() else 0
    callbacks = (
        list(metric_callbacks or [])
        + training_callbacks(config, workdir)
        + list(extra_callbacks or [])
    )
    _patch_for_multi_worker(model, train_data)
    return model.fit(
        train_data,
        validation_data=validation_data,
        epochs=config.epochs,
        steps_per_epoch=config.steps_per_epoch,
        callbacks=callbacks,
        verbose=verbose,
    )
