"""Edge wafer SEM classifier: MobileNetV2, leakage audit, recall-first training, INT8.

    python -m recipes.wafer_mobilenet --quick          # whole recipe in minutes on 2 cores
    python -m recipes.wafer_mobilenet --fail-on-leak --set data.manual_dir=/data/sem_classes

Steps: build wafer_sem (split by site / near-duplicate group), audit the splits for leaks
(exact, near-duplicate, filename; ``--fail-on-leak`` stops on any), class weights from the
training split, MobileNetV2 trained with a class-weighted loss whose weights follow
validation recall (RecallWeightedTraining), best checkpoint and early stopping on macro
recall, safe augmentation only (no flips). Then evaluation (accuracy, per-class precision /
recall / F1, macro recall, confusion matrix, train-vs-validation curves), label_map.json,
SavedModel + ONNX, and INT8: a full-integer TFLite model and an onnxruntime statically
quantized model, each with its accuracy / macro-recall drop against float and its size.

Images are 224 px grey by default (MobileNetV2's native side; synthetic sites show the same
field of view at any side, only sharper). For tiny devices ``--set data.image_size=96``
(or any side of 32 px or more) trains and exports a smaller-input model from the same sites.

Channel pruning: ``--set prune.target=0.5`` removes half of the trained model's
multiply-accumulates by whole channels (``tfdefect.compression``; a thinner MobileNetV2,
no masks), fine-tunes it with the same loss and callbacks, and exports the pruned model
(SavedModel, ONNX, both INT8 models; the pruning is recorded in the export metadata).
"""

from __future__ import annotations

import dataclasses
import sys

from tfdefect.config import ConfigError
from tfdefect.datasets.wafer_sem.data_config import WaferSemDataConfig
from tfdefect.recipes.export_config import ExportConfig
from tfdefect.recipes.front import option
from tfdefect.recipes.prune_config import PruneConfig
from tfdefect.recipes.skeleton import Recipe
from tfdefect.training.train_config import TrainConfig

BACKBONES = ("mobilenetv2", "resnet18")


@dataclasses.dataclass
class WaferMobilenetConfig:
    """Everything the recipe does, overridable with ``--set key=value``.

    Attributes:
        backbone: "mobilenetv2" (the edge model) or "resnet18" (a second, heavier family:
            e.g. to compare what channel pruning does to each).
        alpha: MobileNetV2 width multiplier (0.5 by default: it learns every class within
            the default budget on 2 CPU cores; 1.0 is the full-width network).
        input_scale: enlarge the grey image this many times (bilinear, in the model) before
            MobileNetV2, whose early stride-2 layers blur a defect of a few pixels.
        pooling: "average" or "max" global pooling before the head.
        backbone_weights: None (random), "imagenet" (needs internet) or a local backbone file.
        seed: weight initialisation and shuffling seed.
        workdir: run folder (audit, checkpoints, reports, label_map.json).
        class_weight_power: 1 balanced class weights, 0.5 tempered, 0 none.
        recall_strength / min_factor / max_factor: RecallWeightedTraining settings.
        recall_warmup_epochs: epochs trained at the starting class weights before recall
            weighting begins (from random weights the early recalls swing between 0 and 1;
            weights that follow them make the loss swing too and slow learning down).
        fail_on_leak: stop before training if the audit finds any leak.
        calibration_images: training images calibrating INT8 (the TFLite and the ONNX
            INT8 models are written beside the export: ``<export.dir>/tflite/`` and
            ``<export.dir>/onnx/``).
        export: the served float model (``ExportConfig``); ``export.onnx`` must stay true
            (the INT8 ONNX model is quantized from it). A ``backbone`` other than
            mobilenetv2 exports as ``wafer_<backbone>`` unless ``export.name`` is set.
        prune: channel pruning after training (``PruneConfig``; ``prune.target`` 0: none).
        data: wafer_sem (``data.manual_dir`` for your <class>/ folders, ``data.class_names``
            for your classes, ``data.image_size`` the grey model input side, 224 by
            default; 96 for tiny devices).
        train: the training loop (``TrainConfig``; monitors validation macro recall).
    """

    backbone: str = "mobilenetv2"
    alpha: float = 0.5
    input_scale: int = 1
    pooling: str = "average"
    backbone_weights: str | None = None
    seed: int = 0
    workdir: str = "runs/wafer_mobilenet"
    class_weight_power: float = 0.5
    recall_strength: float = 0.5
    min_factor: float = 0.5
    max_factor: float = 3.0
    recall_warmup_epochs: int = 8
    fail_on_leak: bool = False
    calibration_images: int = 200
    export: ExportConfig = dataclasses.field(
        default_factory=lambda: ExportConfig(name="wafer_mobilenetv2")
    )
    prune: PruneConfig = dataclasses.field(default_factory=PruneConfig)
    data: WaferSemDataConfig = dataclasses.field(
        default_factory=lambda: WaferSemDataConfig(num_sites=5000)
    )
    train: TrainConfig = dataclasses.field(
        default_factory=lambda: TrainConfig(
            epochs=18,
            batch_size=16,
            learning_rate=1e-3,
            early_stopping_patience=8,
            monitor="val_macro_recall",
            monitor_mode="max",
        )
    )


def quick_config() -> WaferMobilenetConfig:
    """``--quick``: 1600 sites at 160 px, 12 epochs of 200 steps (recall weighting from the
    end of epoch 8), patience 12."""
    config = WaferMobilenetConfig(workdir="runs/wafer_mobilenet_quick")
    config.data = dataclasses.replace(config.data, num_sites=1600, image_size=160)
    config.train = dataclasses.replace(
        config.train, epochs=12, steps_per_epoch=200, early_stopping_patience=12
    )
    return config


def check(config: WaferMobilenetConfig) -> None:
    """Refuse settings the model cannot run, before any data is built."""
    from tfdefect.models.classifiers.image_classifier import POOLING

    if config.pooling not in POOLING:
        raise ConfigError(f"pooling {config.pooling!r}: choose from {', '.join(POOLING)}")
    if config.input_scale < 1:
        raise ConfigError(f"input_scale {config.input_scale}: must be 1 or more")
    side = config.data.image_size * config.input_scale
    if side < 32:
        raise ConfigError(
            f"data.image_size {config.data.image_size} x input_scale {config.input_scale}: "
            "MobileNetV2 takes inputs of at least 32 px"
        )
    if config.backbone not in BACKBONES:
        raise ConfigError(f"backbone {config.backbone!r}: choose from {', '.join(BACKBONES)}")
    if config.backbone != "mobilenetv2" and (config.alpha != 0.5 or config.input_scale != 1):
        raise ConfigError(
            f"alpha / input_scale are MobileNetV2 settings; backbone {config.backbone!r} "
            "takes neither"
        )
    if not config.export.onnx:
        raise ConfigError(
            "export.onnx=false: the INT8 ONNX model is quantized from the float ONNX export"
        )
    config.prune.check()
    if config.backbone != "mobilenetv2" and config.export.name == "wafer_mobilenetv2":
        config.export.name = f"wafer_{config.backbone}"  # never served under another's name
    if config.min_factor > config.max_factor:
        raise ConfigError(
            f"min_factor {config.min_factor} > max_factor {config.max_factor}: the class "
            "weight factors' range is empty"
        )


RECIPE = Recipe(
    name="wafer_mobilenet",
    description=__doc__,
    quick_help="whole recipe within ~12 min",
    default_config=WaferMobilenetConfig,
    quick_config=quick_config,
    steps="tfdefect.recipes.wafer_mobilenet_steps:run",
    check=check,
    options=(
        option(
            "--fail-on-leak",
            field="fail_on_leak",
            action="store_true",
            help="stop if the audit finds leaks",
        ),
    ),
)
main = RECIPE.main
cli = RECIPE.cli

if __name__ == "__main__":
    cli(sys.argv[1:])
