"""Channel-pruning settings of a recipe (no TensorFlow import, so recipe fronts stay fast)."""

from __future__ import annotations

import dataclasses

from tfdefect.config import ConfigError

CRITERIA = ("l1", "bn_scale")  # tfdefect.compression.CRITERIA, without importing Keras


@dataclasses.dataclass
class PruneConfig:
    """The ``prune.`` part of a recipe config (``--set prune.target=0.5``).

    After training, the best model loses ``target`` of its multiply-accumulates by whole
    output channels (``tfdefect.compression.ChannelPruner``) in ``rounds`` equal steps, each
    followed by ``epochs`` of fine-tuning with the recipe's own loss and callbacks; the
    pruned model is the one evaluated and exported.

    Attributes:
        target: fraction of the trained model's MACs to remove (0: no pruning; below 1).
        criterion: channel ranking, "bn_scale" (BatchNorm scale) or "l1" (filter L1 norm);
            "bn_scale" kept more validation recall after fine-tuning on the wafer model
            pruned to half its MACs.
        rounds: prune-and-fine-tune rounds (round k removes k/rounds of ``target``).
        epochs: fine-tuning epochs after each round.
        learning_rate_factor: fine-tuning learning rate = ``train.learning_rate`` x this.
        channel_multiple: kept channels per group are rounded to this multiple.
    """

    target: float = 0.0
    criterion: str = "bn_scale"
    rounds: int = 1
    epochs: int = 4
    learning_rate_factor: float = 0.3
    channel_multiple: int = 8

    def check(self) -> None:
        """One-line ``ConfigError`` for settings pruning cannot run."""
        if not 0.0 <= self.target < 1.0:
            raise ConfigError(
                f"prune.target {self.target}: the fraction of MACs to remove must be at "
                "least 0 and below 1"
            )
        if self.criterion not in CRITERIA:
            raise ConfigError(
                f"prune.criterion {self.criterion!r}: choose from {', '.join(CRITERIA)}"
            )
        for name in ("rounds", "epochs", "channel_multiple"):
            if getattr(self, name) < 1:
                raise ConfigError(f"prune.{name} {getattr(self, name)}: must be 1 or more")
        if self.learning_rate_factor <= 0:
            raise ConfigError(
                f"prune.learning_rate_factor {self.learning_rate_factor}: must be above 0"
            )
