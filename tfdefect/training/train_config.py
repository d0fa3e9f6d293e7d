"""Training loop settings (no TensorFlow import, so recipe fronts stay fast)."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass
class TrainConfig:
    """Training loop settings.

    Attributes:
        epochs: maximum number of epochs.
        batch_size: global batch size (split over replicas by tf.distribute).
        learning_rate: Adam learning rate (the peak one under a schedule).
        warmup_steps: optimizer steps of linear warm-up from 0 to ``learning_rate``.
        lr_decay: ``constant`` or ``cosine`` (to 0 at the last step). Warm-up and decay are
            applied per step by ``fit_model`` (``ScheduledLearningRate``) in every recipe.
        early_stopping_patience: epochs without improvement of ``monitor`` before stopping.
        monitor / monitor_mode: the validation metric that picks the best checkpoint.
        steps_per_epoch: None = one pass over the training data.
        tensorboard: write TensorBoard logs under ``<workdir>/tensorboard``.
    """

    epochs: int = 30
    batch_size: int = 8
    learning_rate: float = 1e-3
    warmup_steps: int = 0
    lr_decay: str = "constant"
    early_stopping_patience: int = 8
    monitor: str = "val_defect_iou"
    monitor_mode: str = "max"
    steps_per_epoch: int | None = None
    tensorboard: bool = True
