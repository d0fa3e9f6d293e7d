"""Transfer-learning zoo on cast impellers (casting): eight classifiers, one freeze strategy.

    python -m recipes.casting_zoo --quick                       # all models, 64 px, minutes
    python -m recipes.casting_zoo --models resnet18 vit --freeze partial:2
    python -m recipes.casting_zoo --pretrain smt_pairs          # non-random start weights
    python -m recipes.casting_zoo --set manual_dir=/data/casting_data --set image_size=224

LUNA always trains from scratch (all layers, BatchNorm learning). The other seven start
from ``--weights`` (none: random; "imagenet": keras.applications backbones with internet;
a folder: ``<folder>/<model>.weights.h5``) or, with ``--pretrain smt_pairs``, from a backbone
first trained here on the SMT component crops of smt_pairs (defect class of the test
crop), so the freeze strategies act on weights that are not random. Freeze strategies:
feature_extraction, partial:N (last N blocks), full (everything, learning rate x0.1; the
seed's proposal). Writes comparison.md / comparison.csv, metrics.png, confusion/<model>.png
and, per model, a SavedModel and an ONNX file.
"""

from __future__ import annotations

import dataclasses
import sys

from tfdefect.recipes.common import run_timed
from tfdefect.recipes.front import print_config, recipe_parser, resolve_config
from tfdefect.training.train_config import TrainConfig

ALL_MODELS = ("luna", "alexnet", "resnet18", "efficientnetv2", "convnext", "vit", "deit", "swin_t")


@dataclasses.dataclass
class CastingZooConfig:
    """Everything the recipe does, overridable with ``--set key=value``.

    Attributes:
        models: architectures to train (see ALL_MODELS).
        freeze: feature_extraction | partial:N | full.
        weights: None, "imagenet" or a folder of <model>.weights.h5.
        pretrain: None or "smt_pairs" (pretrain each backbone there first).
        image_size: model input side (images are resized in the tf.data graph).
        fine_tune_factor: learning-rate factor of the full strategy on pretrained weights.
        transformer_factor: learning-rate factor of ViT, DeiT and Swin (Adam at 1e-3
            diverges on them; they are usually trained at 1e-4 or below).
        num_train / num_validation / num_test: synthetic castings per split.
        manual_dir: read the public casting folders instead (validation: 10% of train).
    """

    models: tuple = ALL_MODELS
    freeze: str = "full"
    weights: str | None = None
    pretrain: str | None = None
    pretrain_epochs: int = 3
    image_size: int = 128
    fine_tune_factor: float = 0.1
    transformer_factor: float = 0.1
    seed: int = 0
    workdir: str = "runs/casting_zoo"
    data_dir: str = "~/tensorflow_datasets"
    manual_dir: str | None = None
    rebuild: bool = False
    num_train: int = 600
    num_validation: int = 150
    num_test: int = 300
    export: bool = True
    export_dir: str = "saved_models"
    export_overwrite: int | None = None
    serving_root: str | None = None
    train: TrainConfig = dataclasses.field(
        default_factory=lambda: TrainConfig(
            epochs=12,
            batch_size=16,
            learning_rate=1e-3,
            early_stopping_patience=4,
            monitor="val_loss",
            monitor_mode="min",
        )
    )


def quick_config() -> CastingZooConfig:
    """``--quick``: 64 px, 300 / 100 / 200 castings, 6 epochs of 15 steps per model."""
    config = CastingZooConfig(
        image_size=64,
        num_train=300,
        num_validation=100,
        num_test=200,
        workdir="runs/casting_zoo_quick",
        pretrain_epochs=1,
    )
    config.train = dataclasses.replace(config.train, epochs=6, steps_per_epoch=15)
    return config


def parse_args(argv=None):
    parser = recipe_parser("casting_zoo", __doc__, "all models within ~20 min on 2 cores")
    parser.add_argument("--models", nargs="+", help=f"'all' or some of {', '.join(ALL_MODELS)}")
    parser.add_argument("--freeze", help="feature_extraction | partial:N | full")
    parser.add_argument("--weights", help="imagenet or a folder of <model>.weights.h5")
    parser.add_argument("--pretrain", choices=["smt_pairs"])
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    config = resolve_config(args, CastingZooConfig, quick_config)
    if args.models:
        config.models = ALL_MODELS if args.models == ["all"] else tuple(args.models)
    for key in ("freeze", "weights", "pretrain"):
        if getattr(args, key):
            setattr(config, key, getattr(args, key))
    unknown = sorted(set(config.models) - set(ALL_MODELS))
    if unknown:
        raise SystemExit(f"unknown models {unknown}; choose from {', '.join(ALL_MODELS)}")
    from tfdefect.models.classifiers.freeze import parse_strategy

    try:
        parse_strategy(config.freeze)
    except ValueError as error:
        raise SystemExit(str(error)) from error
    if config.weights and config.pretrain:
        raise SystemExit("give --weights or --pretrain, not both")
    if args.print_config:
        print_config(config)
        return {}
    from tfdefect.recipes import casting_zoo_steps as steps
    from tfdefect.training.strategy import make_strategy

    return steps.run(config, make_strategy(args.strategy, logical_cpus=2))


def cli(argv=None) -> None:
    """Command-line entry (``tfdefect recipe casting_zoo``): run and print the wall time."""
    run_timed(main, argv, "casting_zoo")


if __name__ == "__main__":
    cli(sys.argv[1:])
