"""Training loop settings (no TensorFlow import, so recipe fronts stay fast)."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass
class TrainConfig:
    """Training loop settings.

    Attributes:
        epochs: maximum number of epochs.
        batch_size: global batch size (split over replicas by tf.distribute).
        learning_rate: Adam learning rate.
        early_stopping_patience: epochs without improvement of ``monitor`` before stopping.
        monitor / monitor_mode: the validation metric that picks the best checkpoint.
        steps_per_epoch: None = one pass over the training data.
        tensorboard: write TensorBoard logs under ``<workdir>/tensorboard``.
    """

    epochs: int = 30
    batch_size: int = 8
    learning_rate: float = 1e-3
    early_stopping_patience: int = 8
    monitor: str = "val_defect_iou"
    monitor_mode: str = "max"
    steps_per_epoch: int | None = None
    tensorboard: bool = True
