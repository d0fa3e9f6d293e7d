"""The learning rate a recipe trains with: constant, or a linear warm-up then cosine decay."""

from __future__ import annotations

import dataclasses

import keras

from tfdefect.training.train_config import TrainConfig


def learning_rate_for(config: TrainConfig, total_steps: int):
    """``config.learning_rate`` as Adam takes it.

    ``lr_decay="constant"``: the rate itself (after ``warmup_steps`` of linear warm-up
    from 0 when warm-up is asked for). ``"cosine"``: a linear warm-up over ``warmup_steps``
    to the rate, then cosine decay to 0 at ``total_steps`` (Keras' ``CosineDecay``).

    Args:
        config: the training settings.
        total_steps: optimizer steps of the whole run (epochs x steps per epoch).
    Returns:
        A float or a ``keras.optimizers.schedules.LearningRateSchedule``.
    """
    rate, warmup = config.learning_rate, config.warmup_steps
    if not needs_schedule(config):
        return rate
    if config.lr_decay == "constant":
        return keras.optimizers.schedules.CosineDecay(
            0.0, decay_steps=1, alpha=1.0, warmup_target=rate, warmup_steps=warmup
        )
    decay_steps = max(1, total_steps - warmup)
    return keras.optimizers.schedules.CosineDecay(
        0.0 if warmup else rate,
        decay_steps=decay_steps,
        alpha=0.0,
        warmup_target=rate if warmup else None,
        warmup_steps=warmup,
    )


class ScheduledLearningRate(keras.callbacks.Callback):
    """Sets the optimizer's learning rate before every training step from the schedule of
    ``learning_rate_for`` (warm-up, cosine decay), over the run's epochs x steps per epoch.
    The step is the optimizer's own count, so a resumed run continues the schedule where it
    stopped. The peak rate is the optimizer's rate when training starts (a recipe may have
    scaled ``config.learning_rate``, e.g. for fine-tuning); the optimizer must be built from a
    float learning rate. A constant rate without warm-up leaves the optimizer's rate alone.
    """

    def __init__(self, config: TrainConfig):
        super().__init__()
        self.config = config
        self._schedule = None
        self._peak = None

    def on_train_begin(self, logs=None):
        if not needs_schedule(self.config):
            return
        steps = self.params.get("steps")
        if not steps:
            raise ValueError(
                f"train.lr_decay={self.config.lr_decay} / train.warmup_steps="
                f"{self.config.warmup_steps} need a known number of steps per epoch: "
                "set train.steps_per_epoch"
            )
        # the optimizer's own rate is the peak: a recipe may scale the config's (fine-tuning)
        peak = float(self.model.optimizer.learning_rate.numpy())
        if self._peak is None:
            self._peak = peak
        config = dataclasses.replace(self.config, learning_rate=self._peak)
        self._schedule = learning_rate_for(config, self.params["epochs"] * steps)

    def on_train_batch_begin(self, batch, logs=None):
        if self._schedule is None:
            return
        optimizer = self.model.optimizer
        optimizer.learning_rate.assign(self._schedule(optimizer.iterations))


def needs_schedule(config: TrainConfig) -> bool:
    """Whether ``config`` asks for more than a constant learning rate."""
    return config.lr_decay != "constant" or config.warmup_steps > 0
