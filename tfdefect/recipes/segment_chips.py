"""Semantic segmentation of chip defects (bump, dent, dot) on chips6.

    python -m recipes.segment_chips --quick            # ~10 min on 2 CPU cores
    python -m recipes.segment_chips --model resnet50_fpn --merge-channels
    python -m recipes.segment_chips --set train.epochs=60 --set data.num_train=4000

Steps: build chips6 (TFDS) -> tf.data -> model.fit (Dice + focal loss) -> evaluate on the
test split (per-class IoU/F1, pixel and defect-image precision/recall) -> plots and
metrics.json -> SavedModel (TF Serving layout) + ONNX (parity-checked).
"""

from __future__ import annotations

import dataclasses
import sys

from tfdefect.config import ConfigError
from tfdefect.datasets.chips6.data_config import Chips6DataConfig
from tfdefect.recipes.export_config import ExportConfig
from tfdefect.recipes.front import option
from tfdefect.recipes.skeleton import Recipe
from tfdefect.training.train_config import TrainConfig


@dataclasses.dataclass
class SegmentChipsConfig:
    """Everything the recipe does, overridable with ``--set key=value``.

    Attributes:
        model: registry name, ``unet`` or ``resnet50_fpn``.
        channels: 6 (all chips6 channels) or 3 (the first three: height, intensity, pattern).
        merge_channels: learned 1x1 channel merge C -> 3 in front of the network.
        merge_weights: a separately trained ChannelMergeStem weights file.
        unet_filters: U-Net widths per level.
        crop_size: train on random crops of this size (None = whole chips); validation and
            test always use whole chips. The models are fully convolutional.
        defect_crop_probability: share of training crops centred near a defect.
        focal_gamma / dice_weight / focal_weight: the class-balanced loss.
        balance_classes: weight the focal term per class by median-frequency balancing of
            the training masks' pixel counts.
        workdir: run folder (checkpoints, logs, plots, metrics).
        export: the served model (``ExportConfig``): published as
            ``<export.dir>/<export.name>/<version>/`` with a checked ``model.onnx`` beside
            the SavedModel unless ``export.onnx=false``.
        data: chips6; train: the training loop (``TrainConfig``).
    """

    model: str = "unet"
    channels: int = 6
    merge_channels: bool = False
    merge_weights: str | None = None
    unet_filters: tuple[int, ...] = (16, 32, 64, 128)
    crop_size: int | None = 128
    defect_crop_probability: float = 0.7
    focal_gamma: float = 2.0
    balance_classes: bool = True
    dice_weight: float = 1.0
    focal_weight: float = 1.0
    workdir: str = "runs/segment_chips"
    export: ExportConfig = dataclasses.field(
        default_factory=lambda: ExportConfig(name="chips_segmenter")
    )
    data: Chips6DataConfig = dataclasses.field(default_factory=Chips6DataConfig)
    train: TrainConfig = dataclasses.field(default_factory=TrainConfig)


def quick_config() -> SegmentChipsConfig:
    """Settings of ``--quick``: a small data set and few epochs on 2 CPU cores."""
    config = SegmentChipsConfig()
    config.data = dataclasses.replace(config.data, num_train=320, num_validation=48, num_test=64)
    config.train = dataclasses.replace(
        config.train, epochs=20, batch_size=8, early_stopping_patience=20
    )
    config.crop_size = 96
    config.workdir = "runs/segment_chips_quick"
    return config


def side_divisor(config: SegmentChipsConfig) -> int:
    """What input sides must be multiples of: 2 ** (levels - 1) for the U-Net (its skip
    connections meet the upsampled maps), 32 for ResNet50-FPN (stride-32 pyramid)."""
    return 2 ** (len(config.unet_filters) - 1) if config.model == "unet" else 32


def check(config: SegmentChipsConfig) -> None:
    """Refuse settings the model or the data cannot run, before any data is built."""
    if config.channels not in (3, 6):
        raise ConfigError(f"channels must be 3 or 6, got {config.channels}")
    if config.model not in ("unet", "resnet50_fpn"):
        raise ConfigError(f"model {config.model!r}: choose unet or resnet50_fpn")
    if not config.unet_filters or any(width < 1 for width in config.unet_filters):
        raise ConfigError(
            f"unet_filters {list(config.unet_filters)}: give one width >= 1 per U-Net level"
        )
    image_size, crop = config.data.image_size, config.crop_size
    if crop is not None and crop > image_size:
        raise ConfigError(f"crop_size {crop}: must be at most data.image_size {image_size}")
    divisor = side_divisor(config)
    model = f"a {len(config.unet_filters)}-level unet" if config.model == "unet" else config.model
    for key, side in (("crop_size", crop), ("data.image_size", image_size)):
        if side is not None and side % divisor:
            raise ConfigError(f"{key} {side}: must be a multiple of {divisor} for {model}")


RECIPE = Recipe(
    name="segment_chips",
    description=__doc__,
    quick_help="small data and few epochs (about 10 minutes on 2 CPU cores)",
    default_config=SegmentChipsConfig,
    quick_config=quick_config,
    steps="tfdefect.recipes.segment_chips_steps:run",
    check=check,
    options=(
        option("--model", field="model", choices=["unet", "resnet50_fpn"], help="segmenter"),
        option(
            "--merge-channels",
            field="merge_channels",
            action="store_true",
            help="learned 6->3 channel merge stem in front of the network",
        ),
    ),
)
main = RECIPE.main
cli = RECIPE.cli

if __name__ == "__main__":
    cli(sys.argv[1:])
