"""Mask R-CNN for chip defects (bump, dent, dot) on chips6: the three variants of
the chips Mask R-CNN report.

    python -m recipes.mask_rcnn_chips                # the three variants, full length
    python -m recipes.mask_rcnn_chips --quick        # ResNet-25 only, ~13 min on 2 cores
    python -m recipes.mask_rcnn_chips --models r50_c6_merge --pretrain-merge
    python -m recipes.mask_rcnn_chips --set train.epochs=40 --set data.num_train=4000

Variants (the report's table): r50_c3 (3 channels, ResNet50), r25_c3 (3 channels,
"ResNet-25"), r50_c6_merge (6 channels through the channel-merge subnetwork, ResNet50);
also r25_c6_merge (6 channels, ResNet-25), which the report did not train.
Steps: build chips6 -> tf.data -> [pretrain the merge stem] -> model.fit per variant ->
COCO mAP@0.5 / mAP@[.5:.95] per class, instance and image F1 -> comparison table (markdown,
CSV, JSON) -> predictions plotted on all six channels -> SavedModel + ONNX of the last
variant.
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

# the detection scores the validation split chooses the F1 threshold from
SCORE_THRESHOLDS = tuple(round(0.3 + 0.05 * k, 2) for k in range(14))  # 0.30 ... 0.95

VARIANTS = {
    "r50_c3": {"backbone": "resnet50", "channels": 3, "merge_channels": False},
    "r25_c3": {"backbone": "resnet25", "channels": 3, "merge_channels": False},
    "r50_c6_merge": {"backbone": "resnet50", "channels": 6, "merge_channels": True},
    # not in the report's table: separates the channels' effect from the backbone's
    "r25_c6_merge": {"backbone": "resnet25", "channels": 6, "merge_channels": True},
}


@dataclasses.dataclass
class MaskRCNNChipsConfig:
    """Everything the recipe does, overridable with ``--set key=value``.

    Attributes:
        models: which of VARIANTS to train, in order (``variants`` before; a tuple of
            names, so plural as casting_zoo's ``models``).
        pretrain_merge: pretrain the ChannelMergeStem separately before the 6-channel variant.
        merge_pretrain_epochs: epochs of that pretraining.
        merge_weights: use this pretrained stem file instead of pretraining one.
        backbone_weights: None (random), or for the ResNet-25 variants a torch checkpoint
            (timm ``resnet26`` ``.safetensors``) or the ``.weights.h5`` that ``tfdefect
            convert-weights --architecture resnet25`` wrote (inputs then get torch's ImageNet
            normalisation); for ResNet50 variants "imagenet" (keras.applications).
        seed: weights, shuffle, flips, crops and ROI sampling (bench/chips_variants.py also
            turns on TensorFlow op determinism, with which one seed repeats a run exactly).
        max_instances: padded instances per chip (a chip with more raises).
        score_threshold: detection score for the F1 figures, the plots and the export's
            default threshold. None (default): chosen per variant on the validation split's
            whole chips, the one of SCORE_THRESHOLDS with the best instance F1 (the test
            split never chooses it).
        crop_size: train on random crop_size squares around defects (a 96 px step costs
            ~25% of a whole 224 px chip); evaluation and export use whole chips. None: whole
            chips.
        train_rois / fpn_channels / mask_channels: Mask R-CNN sizes (MASK_RCNN_DEFAULTS).
        rpn_balanced_loss: RPN objectness loss as mean over positive anchors plus mean over
            negative ones (False: Matterport's mean over all sampled anchors).
        workdir: run folder.
        export: the TF Serving export of the last variant (``ExportConfig``: the next free
            version of export.name under export.dir is published; export.overwrite:
            replace that version instead; export.onnx: also the ONNX file).
        data: chips6; train: the training loop (``TrainConfig``).
    """

    models: tuple[str, ...] = ("r50_c3", "r25_c3", "r50_c6_merge")
    pretrain_merge: bool = False
    merge_pretrain_epochs: int = 2
    merge_weights: str | None = None
    backbone_weights: str | None = None
    seed: int = 0
    max_instances: int = 8
    score_threshold: float | None = None
    crop_size: int | None = 96
    train_rois: int = 64
    fpn_channels: int = 128
    mask_channels: int = 128
    rpn_balanced_loss: bool = True
    workdir: str = "runs/mask_rcnn_chips"
    export: ExportConfig = dataclasses.field(
        default_factory=lambda: ExportConfig(name="chips_mask_rcnn")
    )
    data: Chips6DataConfig = dataclasses.field(default_factory=Chips6DataConfig)
    train: TrainConfig = dataclasses.field(
        default_factory=lambda: TrainConfig(
            epochs=30,
            batch_size=4,
            learning_rate=5e-4,
            # cosine decay to 0 over the run: from random weights the last third at a
            # falling rate lifted validation mask mAP@0.5 from ~0.84 to ~0.96 (quick
            # recipe, two seeds, bench/mask_rcnn_learning.py --lr-decay cosine)
            lr_decay="cosine",
            early_stopping_patience=8,
            monitor="val_loss",
            monitor_mode="min",
        )
    )


def quick_config() -> MaskRCNNChipsConfig:
    """``--quick``: the ResNet-25 variant alone, 18 epochs of 64 steps (1152 steps of four
    96 px crops) on 256 chips; the other variants need more steps than 15 minutes allow."""
    config = MaskRCNNChipsConfig(
        models=("r25_c3",),
        workdir="runs/mask_rcnn_chips_quick",
        train_rois=32,
        mask_channels=64,
    )
    config.data = dataclasses.replace(config.data, num_train=256, num_validation=16, num_test=48)
    config.train = dataclasses.replace(config.train, epochs=18, learning_rate=5e-4)
    return config


def check(config: MaskRCNNChipsConfig) -> None:
    """Refuse settings the model or the data cannot run, before any data is built."""
    if config.data.image_size % 32:
        raise ConfigError(
            f"data.image_size {config.data.image_size}: must be a multiple of 32 (Mask R-CNN "
            "evaluates and exports whole chips)"
        )
    crop = config.crop_size
    if crop and (crop % 32 or crop > config.data.image_size):
        raise ConfigError(
            f"crop_size {crop}: must be a multiple of 32 and at most "
            f"data.image_size {config.data.image_size}"
        )
    threshold = config.score_threshold
    if threshold is not None and not 0 < threshold < 1:
        raise ConfigError(f"score_threshold {threshold}: must lie between 0 and 1 (or null)")
    unknown = [v for v in config.models if v not in VARIANTS]
    if unknown:
        raise ConfigError(f"unknown models {unknown}; valid: {', '.join(VARIANTS)}")
    weights = config.backbone_weights
    if weights:
        from tfdefect.backbones.pretrained import is_torch_checkpoint
        from tfdefect.backbones.torch_checkpoint import PICKLED_SUFFIXES

        torch_file = is_torch_checkpoint(weights) or weights.lower().endswith(PICKLED_SUFFIXES)
        for name in config.models:
            variant = VARIANTS[name]
            if torch_file and variant["backbone"] != "resnet25":
                raise ConfigError(
                    f"backbone_weights {weights}: a torch checkpoint converts into the ResNet-25 "
                    f"variants; {name} is ResNet50 (keras.applications: use 'imagenet')"
                )
            if torch_file and variant["merge_channels"]:
                raise ConfigError(
                    f"backbone_weights {weights}: torch ImageNet normalisation is per RGB "
                    f"channel; {name} feeds six channels to its merge stem (not supported)"
                )


RECIPE = Recipe(
    name="mask_rcnn_chips",
    description=__doc__,
    quick_help="short run on 2 CPU cores",
    default_config=MaskRCNNChipsConfig,
    quick_config=quick_config,
    steps="tfdefect.recipes.mask_rcnn_chips_steps:run",
    check=check,
    options=(
        option(
            "--models",
            "--variants",  # deprecated spelling
            field="models",
            convert=tuple,
            nargs="+",
            choices=sorted(VARIANTS),
        ),
        option(
            "--pretrain-merge",
            field="pretrain_merge",
            action="store_true",
            help="pretrain the 6->3 channel-merge subnetwork first",
        ),
    ),
)
main = RECIPE.main
cli = RECIPE.cli

if __name__ == "__main__":
    cli(sys.argv[1:])
