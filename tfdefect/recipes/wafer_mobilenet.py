"""Edge wafer SEM classifier: MobileNetV2, leakage audit, recall-first training, INT8.

    python -m recipes.wafer_mobilenet --quick          # whole recipe in minutes on 2 cores
    python -m recipes.wafer_mobilenet --fail-on-leak --set manual_dir=/data/sem_classes

Steps: build wafer_sem (split by site / near-duplicate group), audit the splits for leaks
(exact, near-duplicate, filename; ``--fail-on-leak`` stops on any), class weights from the
training split, MobileNetV2 trained with a class-weighted loss whose weights follow
validation recall (RecallWeightedTraining), best checkpoint and early stopping on macro
recall, safe augmentation only (no flips). Then evaluation (accuracy, per-class precision /
recall / F1, macro recall, confusion matrix, train-vs-validation curves), label_map.json,
SavedModel + ONNX, and INT8: a full-integer TFLite model and an onnxruntime statically
quantized model, each with its accuracy / macro-recall drop against float and its size.

Pruning is not done: the maintained Keras pruning library (tensorflow-model-optimization)
works on tf-keras (Keras 2) models only, and installing tf-keras adds a second Keras and
TensorFlow; INT8 quantization is the size / speed reduction this recipe ships instead.
"""

from __future__ import annotations

import dataclasses
import sys

from tfdefect.recipes.common import run_timed
from tfdefect.recipes.front import print_config, recipe_parser, resolve_config
from tfdefect.training.train_config import TrainConfig


@dataclasses.dataclass
class WaferMobilenetConfig:
    """Everything the recipe does, overridable with ``--set key=value``.

    Attributes:
        image_size: model input side (grey, 1 channel).
        alpha: MobileNetV2 width multiplier.
        weights: None (random), "imagenet" (needs internet) or a local backbone file.
        num_sites: synthetic sites (some imaged twice).
        manual_dir: read <class>/ folders instead.
        class_names: label names in index order (manual folders are matched to them;
            default the synthetic classes), used by metrics, plots and exports.
        class_weight_power: 1 balanced class weights, 0.5 tempered, 0 none.
        recall_strength / min_factor / max_factor: RecallWeightedTraining settings.
        fail_on_leak: stop before training if the audit finds any leak.
        calibration_images: training images calibrating INT8.
    """

    image_size: int = 96
    alpha: float = 1.0
    weights: str | None = None
    seed: int = 0
    workdir: str = "runs/wafer_mobilenet"
    data_dir: str = "~/tensorflow_datasets"
    manual_dir: str | None = None
    rebuild: bool = False
    class_names: tuple[str, ...] = (
        "bridge",
        "clean",
        "cmp_scratch",
        "cracks",
        "ler",
        "open",
        "others",
        "vias",
    )
    num_sites: int = 1600
    class_weight_power: float = 0.5
    recall_strength: float = 0.5
    min_factor: float = 0.5
    max_factor: float = 3.0
    fail_on_leak: bool = False
    near_threshold: int = 6
    calibration_images: int = 200
    export_dir: str = "saved_models"
    export_name: str = "wafer_mobilenetv2"
    export_overwrite: int | None = None
    serving_root: str | None = None
    train: TrainConfig = dataclasses.field(
        default_factory=lambda: TrainConfig(
            epochs=30,
            batch_size=32,
            learning_rate=1e-3,
            early_stopping_patience=8,
            monitor="val_macro_recall",
            monitor_mode="max",
        )
    )


def quick_config() -> WaferMobilenetConfig:
    """``--quick``: 600 sites, alpha 0.5, 30 epochs of 40 steps, patience 10."""
    config = WaferMobilenetConfig(num_sites=600, alpha=0.5, workdir="runs/wafer_mobilenet_quick")
    config.train = dataclasses.replace(
        config.train, epochs=30, steps_per_epoch=40, early_stopping_patience=10
    )
    return config


def parse_args(argv=None):
    parser = recipe_parser("wafer_mobilenet", __doc__, "whole recipe within ~15 min")
    parser.add_argument("--fail-on-leak", action="store_true", help="stop if the audit finds leaks")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    config = resolve_config(args, WaferMobilenetConfig, quick_config)
    if args.fail_on_leak:
        config.fail_on_leak = True
    if args.print_config:
        print_config(config)
        return {}
    from tfdefect.recipes import wafer_mobilenet_steps as steps
    from tfdefect.training.strategy import make_strategy

    return steps.run(config, make_strategy(args.strategy, logical_cpus=2))


def cli(argv=None) -> None:
    """Command-line entry (``tfdefect recipe wafer_mobilenet``): run and print the wall time."""
    run_timed(main, argv, "wafer_mobilenet")


if __name__ == "__main__":
    cli(sys.argv[1:])
