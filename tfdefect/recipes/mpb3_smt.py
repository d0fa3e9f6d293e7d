"""MPB3 Siamese classifier of SMT component pairs with MPWR resampling (smt_pairs).

    python -m recipes.mpb3_smt --mode train --quick     # train, checkpoints under --ckp, export
    python -m recipes.mpb3_smt --mode val --quick       # omission / false alarm / F per position
    python -m recipes.mpb3_smt --mode infer --infer-dir pairs/ --runtime onnx
    python -m recipes.mpb3_smt --mode train --model resnet18_pretrained \\
        --set backbone_weights=resnet18.weights.h5 --set train.learning_rate=1e-4

--model resnet18 trains from random weights; resnet18_pretrained loads a local ResNet18
weights file (``backbone_weights``; no download exists for Keras ResNet18). --region
component (whole-component crops) is the only region supported. Infer reads pairs named
``<name>_reference.png`` and ``<name>_test.png`` from a folder and writes predictions.csv;
with --cached-reference each distinct reference is embedded once (a line's gold board).
Train also exports ``<export.name>_cached``: the production-line model whose inputs are the
test crop and a position id (order of <workdir>/positions.json), the gold references of the
training split embedded in it.
"""

from __future__ import annotations

import dataclasses
import sys

from tfdefect.config import ConfigError
from tfdefect.datasets.smt_pairs.data_config import SmtPairsDataConfig
from tfdefect.recipes.export_config import ExportConfig
from tfdefect.recipes.front import RunOutputs, option
from tfdefect.recipes.skeleton import Recipe
from tfdefect.training.train_config import TrainConfig


@dataclasses.dataclass
class Mpb3SmtConfig:
    """Everything the recipe does, overridable with ``--set key=value``.

    Attributes:
        model: resnet18 (random init) or resnet18_pretrained (needs backbone_weights).
        backbone_weights: local ResNet18 .weights.h5 for resnet18_pretrained.
        region: the crop each pair shows (``component``, the only one supported).
        ckp: checkpoint folder (best.keras, backup for resuming, history.csv).
        workdir: run folder (reports, plots, positions.json, predictions).
        ng_weight / class_weight: joint loss weights of the two heads.
        position_power / class_power: MPWR tempering (1 natural, 0 uniform).
        ng_threshold: ng probability from which a pair is reported ng (val, infer); written into
            the exports' metadata, so `tfdefect predict` and a served model use it.
        seed: weight initialisation and sampling seed.
        export: the served models (``ExportConfig``): train publishes export.name (the
            pair model) and ``<export.name>_cached``; infer with ``--runtime savedmodel``
            or ``onnx`` reads the newest version of export.name.
        data: smt_pairs (``data.manual_dir`` for an annotation_labels.csv folder,
            ``data.class_names`` for your defect types, ``ok`` among them; metrics, plots
            and exports use them; ``data.image_size`` the crop side).
        train: the training loop (``TrainConfig``).
    """

    model: str = "resnet18"
    backbone_weights: str | None = None
    region: str = "component"
    ckp: str = "runs/mpb3_smt/checkpoints"
    workdir: str = "runs/mpb3_smt"
    ng_weight: float = 1.0
    class_weight: float = 1.0
    position_power: float = 0.5
    class_power: float = 0.5
    ng_threshold: float = 0.5
    seed: int = 0
    export: ExportConfig = dataclasses.field(default_factory=lambda: ExportConfig(name="smt_mpb3"))
    data: SmtPairsDataConfig = dataclasses.field(default_factory=SmtPairsDataConfig)
    train: TrainConfig = dataclasses.field(
        default_factory=lambda: TrainConfig(
            epochs=30,
            batch_size=32,
            learning_rate=1e-3,
            steps_per_epoch=60,
            early_stopping_patience=8,
            monitor="val_loss",
            monitor_mode="min",
        )
    )


def quick_config() -> Mpb3SmtConfig:
    """``--quick``: 16 / 6 / 6 boards, 6 epochs of 30 steps."""
    config = Mpb3SmtConfig(workdir="runs/mpb3_smt_quick", ckp="runs/mpb3_smt_quick/checkpoints")
    config.data = dataclasses.replace(
        config.data, boards_train=16, boards_validation=6, boards_test=6
    )
    config.train = dataclasses.replace(config.train, epochs=6, steps_per_epoch=30)
    return config


MODELS = ("resnet18", "resnet18_pretrained")
REGIONS = ("component",)


def check(config: Mpb3SmtConfig) -> None:
    """Refuse settings the recipe cannot run, before any data is built."""
    if config.model not in MODELS:
        raise ConfigError(f"model {config.model!r}: choose from {', '.join(MODELS)}")
    if config.region not in REGIONS:
        raise ConfigError(f"region {config.region!r}: choose from {', '.join(REGIONS)}")
    if config.model == "resnet18_pretrained" and not config.backbone_weights:
        raise ConfigError(
            "--model resnet18_pretrained needs --set backbone_weights=<local ResNet18 "
            ".weights.h5> (Keras has no downloadable ResNet18)"
        )


def outputs(config: Mpb3SmtConfig, run_arguments: dict) -> RunOutputs:
    """train: workdir, ckp and the two exports (``<export.name>`` and ``..._cached``);
    val: the workdir (reports); infer: the predictions folder."""
    mode = run_arguments.get("mode")
    if mode == "train":
        folders = {"workdir": config.workdir, "ckp": config.ckp, "export.dir": config.export.dir}
        names = (config.export.name, f"{config.export.name}_cached")
        return RunOutputs(folders, names)
    if mode == "infer" and run_arguments.get("output"):
        return RunOutputs({"--output": run_arguments["output"]})
    return RunOutputs({"workdir": config.workdir})


RECIPE = Recipe(
    name="mpb3_smt",
    description=__doc__,
    quick_help="each mode in minutes on 2 cores",
    default_config=Mpb3SmtConfig,
    quick_config=quick_config,
    steps="tfdefect.recipes.mpb3_smt_steps:run",
    check=check,
    outputs=outputs,
    options=(
        option("--mode", choices=["train", "val", "infer"], required=True),
        option("--model", "--arch", field="model", choices=MODELS),  # --arch: deprecated name
        option("--region", field="region", choices=REGIONS),
        option("--ckp", field="ckp", help="checkpoint folder"),
        option("--infer-dir", help="folder of <name>_reference.png / <name>_test.png"),
        option("--split", choices=["validation", "test"], default="validation", help="val: split"),
        option("--runtime", choices=["tf", "savedmodel", "onnx"], default="tf"),
        option("--output", help="infer: predictions folder (default: the workdir)"),
        option(
            "--cached-reference",
            action="store_true",
            help="infer (tf): embed each distinct reference once, run only the test branch",
        ),
    ),
)
main = RECIPE.main
cli = RECIPE.cli

if __name__ == "__main__":
    cli(sys.argv[1:])
