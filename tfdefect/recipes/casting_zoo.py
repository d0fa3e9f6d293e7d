"""Transfer-learning zoo on cast impellers (casting): eight classifiers, one freeze strategy.

    python -m recipes.casting_zoo --quick                       # all models, 64 px, minutes
    python -m recipes.casting_zoo --models resnet18 vit --freeze partial:2
    python -m recipes.casting_zoo --pretrain smt_pairs          # non-random start weights
    python -m recipes.casting_zoo --set data.manual_dir=/data/casting_data --set image_size=224

LUNA always trains from scratch (all layers, BatchNorm learning). The other seven start
from ``--backbone-weights`` (none: random; "imagenet": keras.applications backbones with internet;
a folder: ``<folder>/<model>.weights.h5``) or, with ``--pretrain smt_pairs``, from a backbone
first trained here on the SMT component crops of smt_pairs (defect class of the test
crop), so the freeze strategies act on weights that are not random. Freeze strategies:
feature_extraction, partial:N (last N blocks), full (everything, learning rate x0.1; what
the ZDMP casting zoo proposes). Writes comparison.md / comparison.csv, metrics.png,
confusion/<model>.png and, per model, a SavedModel and an ONNX file.
"""

from __future__ import annotations

import dataclasses
import sys

from tfdefect.config import ConfigError
from tfdefect.datasets.casting.data_config import CastingDataConfig
from tfdefect.recipes.export_config import ExportConfig
from tfdefect.recipes.front import RunOutputs, option
from tfdefect.recipes.skeleton import Recipe
from tfdefect.training.train_config import TrainConfig

ALL_MODELS = ("luna", "alexnet", "resnet18", "efficientnetv2", "convnext", "vit", "deit", "swin_t")
PRETRAIN_SOURCES = ("smt_pairs",)
# what image_size must be a multiple of: the ViT / DeiT patch, Swin's patch x 8 (stages)
SIDE_MULTIPLES = {"vit": 16, "deit": 16, "swin_t": 32}
MIN_IMAGE_SIZE = 32  # keras.applications backbones refuse smaller inputs


@dataclasses.dataclass
class CastingZooConfig:
    """Everything the recipe does, overridable with ``--set key=value``.

    Attributes:
        models: backbones to train (see ALL_MODELS).
        freeze: feature_extraction | partial:N | full.
        backbone_weights: None, "imagenet" or a folder of <model>.weights.h5 (for alexnet,
            resnet18, vit, deit and swin_t also what ``tfdefect convert-weights
            --architecture <model>`` wrote there, or <model>.safetensors; convert vit / deit
            / swin_t at the run's image size: ``--image-size 128 128`` by default).
        pretrain: None or "smt_pairs" (pretrain each backbone there first).
        pretrain_epochs: epochs of that pretraining.
        image_size: model input side (images are resized in the tf.data graph).
        fine_tune_factor: learning-rate factor of the full strategy on pretrained weights.
        transformer_factor: learning-rate factor of ViT, DeiT and Swin (Adam at 1e-3
            diverges on them; they are usually trained at 1e-4 or below).
        seed: weight initialisation and shuffling seed.
        workdir: run folder (comparison table, plots, per-model checkpoints).
        export: per model a SavedModel (and ONNX unless ``export.onnx=false``) published as
            ``<export.name>_<model>`` under export.dir (``ExportConfig``);
            ``export.enabled=false`` trains and compares without publishing.
        data: casting (``data.manual_dir`` for the public folders, validation then 10% of
            train; ``data.class_names`` the names of good and defective).
        train: the training loop of each model (``TrainConfig``).
    """

    models: tuple[str, ...] = ALL_MODELS
    freeze: str = "full"
    backbone_weights: str | None = None
    pretrain: str | None = None
    pretrain_epochs: int = 3
    image_size: int = 128
    fine_tune_factor: float = 0.1
    transformer_factor: float = 0.1
    seed: int = 0
    workdir: str = "runs/casting_zoo"
    export: ExportConfig = dataclasses.field(default_factory=lambda: ExportConfig(name="casting"))
    data: CastingDataConfig = dataclasses.field(default_factory=CastingDataConfig)
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
    config = CastingZooConfig(image_size=64, workdir="runs/casting_zoo_quick", pretrain_epochs=1)
    config.data = dataclasses.replace(
        config.data, image_size=64, num_train=300, num_validation=100, num_test=200
    )
    config.train = dataclasses.replace(config.train, epochs=6, steps_per_epoch=15)
    return config


def models_argument(names: list[str]) -> tuple[str, ...]:
    return ALL_MODELS if names == ["all"] else tuple(names)


def check(config: CastingZooConfig) -> None:
    """Refuse settings the recipe cannot run, before any data is built."""
    unknown = sorted(set(config.models) - set(ALL_MODELS))
    if unknown:
        raise ConfigError(f"unknown models {unknown}; choose from {', '.join(ALL_MODELS)}")
    from tfdefect.models.classifiers.freeze import parse_strategy

    try:
        parse_strategy(config.freeze)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    if config.backbone_weights and config.pretrain:
        raise ConfigError("give --backbone-weights or --pretrain, not both")
    if config.pretrain is not None and config.pretrain not in PRETRAIN_SOURCES:
        raise ConfigError(
            f"pretrain {config.pretrain!r}: choose from {', '.join(PRETRAIN_SOURCES)} (or none)"
        )
    check_image_size(config)


def check_image_size(config: CastingZooConfig) -> None:
    """image_size fits every chosen model: at least MIN_IMAGE_SIZE, and a multiple of the
    transformers' patch grid (SIDE_MULTIPLES)."""
    size = config.image_size
    if size < MIN_IMAGE_SIZE:
        raise ConfigError(f"image_size {size}: must be at least {MIN_IMAGE_SIZE}")
    for model in config.models:
        multiple = SIDE_MULTIPLES.get(model)
        if multiple and size % multiple:
            raise ConfigError(f"image_size {size}: {model} needs a multiple of {multiple}")


def outputs(config: CastingZooConfig, run_arguments: dict) -> RunOutputs:
    """The workdir; with ``export.enabled``, ``<export.name>_<model>`` per model under
    export.dir."""
    if not config.export.enabled:
        return RunOutputs({"workdir": config.workdir})
    names = tuple(export_name(config, model) for model in config.models)
    return RunOutputs({"workdir": config.workdir, "export.dir": config.export.dir}, names)


def export_name(config: CastingZooConfig, model: str) -> str:
    """The served name of ``model``: ``<export.name>_<model>`` (``casting_resnet18``)."""
    return f"{config.export.name}_{model}"


RECIPE = Recipe(
    name="casting_zoo",
    description=__doc__,
    quick_help="all models within ~20 min on 2 cores",
    default_config=CastingZooConfig,
    quick_config=quick_config,
    steps="tfdefect.recipes.casting_zoo_steps:run",
    check=check,
    outputs=outputs,
    optional_export=True,
    options=(
        option(
            "--models",
            field="models",
            convert=models_argument,
            nargs="+",
            help=f"'all' or some of {', '.join(ALL_MODELS)}",
        ),
        option("--freeze", field="freeze", help="feature_extraction | partial:N | full"),
        option(
            "--backbone-weights",
            "--weights",  # the 0.1 spelling, kept for one release
            field="backbone_weights",
            help="imagenet or a folder of <model>.weights.h5",
        ),
        option("--pretrain", field="pretrain", choices=PRETRAIN_SOURCES),
    ),
)
main = RECIPE.main
cli = RECIPE.cli

if __name__ == "__main__":
    cli(sys.argv[1:])
