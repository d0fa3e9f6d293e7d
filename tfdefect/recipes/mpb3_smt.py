"""MPB3 Siamese classifier of SMT component pairs with MPWR resampling (smt_pairs).

    python -m recipes.mpb3_smt --mode train --quick     # train, checkpoints under --ckp, export
    python -m recipes.mpb3_smt --mode val --quick       # omission / false alarm / F per position
    python -m recipes.mpb3_smt --mode infer --infer-dir pairs/ --runtime onnx
    python -m recipes.mpb3_smt --mode train --arch resnet18_pretrained \\
        --set backbone_weights=resnet18.weights.h5 --set train.learning_rate=1e-4

--arch resnet18 trains from random weights; resnet18_pretrained loads a local ResNet18
weights file (``backbone_weights``; no download exists for Keras ResNet18). --region
component (whole-component crops) is the only region supported. Infer reads pairs named
``<name>_reference.png`` and ``<name>_test.png`` from a folder and writes predictions.csv;
with --cached-reference each distinct reference is embedded once (a line's gold board).
Train also exports ``<export_name>_cached``: the production-line model whose inputs are the
test crop and a position id (order of <workdir>/positions.json), the gold references of the
training split embedded in it.
"""

from __future__ import annotations

import dataclasses
import sys

from tfdefect.data.synthetic.smt import DEFECT_CLASSES
from tfdefect.recipes.common import run_timed
from tfdefect.recipes.front import print_config, recipe_parser, resolve_config
from tfdefect.training.train_config import TrainConfig


@dataclasses.dataclass
class Mpb3SmtConfig:
    """Everything the recipe does, overridable with ``--set key=value``.

    Attributes:
        arch: resnet18 (random init) or resnet18_pretrained (needs backbone_weights).
        backbone_weights: local ResNet18 .weights.h5 for resnet18_pretrained.
        ckp: checkpoint folder (best.keras, backup for resuming, history.csv).
        ng_weight / class_weight: joint loss weights of the two heads.
        position_power / class_power: MPWR tempering (1 natural, 0 uniform).
        boards_train / boards_validation / boards_test: synthetic boards per split.
        manual_dir: read annotation_labels.csv pairs from here instead.
        class_names: defect types in index order, `ok` among them (a manual CSV's
            defect_class values; default the synthetic classes); metrics, plots, exports use them.
        ng_threshold: ng probability above which a pair is reported ng.
    """

    arch: str = "resnet18"
    backbone_weights: str | None = None
    region: str = "component"
    image_size: int = 64
    ckp: str = "runs/mpb3_smt/checkpoints"
    workdir: str = "runs/mpb3_smt"
    ng_weight: float = 1.0
    class_weight: float = 1.0
    position_power: float = 0.5
    class_power: float = 0.5
    ng_threshold: float = 0.5
    seed: int = 0
    data_dir: str = "~/tensorflow_datasets"
    manual_dir: str | None = None
    rebuild: bool = False
    class_names: tuple[str, ...] = DEFECT_CLASSES
    boards_train: int = 40
    boards_validation: int = 10
    boards_test: int = 10
    export_dir: str = "saved_models"
    export_name: str = "smt_mpb3"
    export_overwrite: int | None = None
    serving_root: str | None = None
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
    config = Mpb3SmtConfig(
        workdir="runs/mpb3_smt_quick",
        ckp="runs/mpb3_smt_quick/checkpoints",
        boards_train=16,
        boards_validation=6,
        boards_test=6,
    )
    config.train = dataclasses.replace(config.train, epochs=6, steps_per_epoch=30)
    return config


def parse_args(argv=None):
    parser = recipe_parser("mpb3_smt", __doc__, "each mode in minutes on 2 cores")
    parser.add_argument("--mode", choices=["train", "val", "infer"], required=True)
    parser.add_argument("--arch", choices=["resnet18", "resnet18_pretrained"])
    parser.add_argument("--region", choices=["component"], default=None)
    parser.add_argument("--ckp", help="checkpoint folder")
    parser.add_argument("--infer-dir", help="folder of <name>_reference.png / <name>_test.png")
    parser.add_argument(
        "--split", choices=["validation", "test"], default="validation", help="val: split"
    )
    parser.add_argument("--runtime", choices=["tf", "savedmodel", "onnx"], default="tf")
    parser.add_argument("--output", default=None, help="infer: predictions folder")
    parser.add_argument(
        "--cached-reference",
        action="store_true",
        help="infer (tf): embed each distinct reference once, run only the test branch per pair",
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    config = resolve_config(args, Mpb3SmtConfig, quick_config)
    for key in ("arch", "region", "ckp"):
        if getattr(args, key):
            setattr(config, key, getattr(args, key))
    if config.arch == "resnet18_pretrained" and not config.backbone_weights:
        raise SystemExit(
            "--arch resnet18_pretrained needs --set backbone_weights=<local ResNet18 "
            ".weights.h5> (Keras has no downloadable ResNet18)"
        )
    if args.print_config:
        print_config(config)
        return {}
    from tfdefect.recipes import mpb3_smt_steps as steps
    from tfdefect.training.strategy import make_strategy

    if args.mode == "train":
        return steps.train(config, make_strategy(args.strategy, logical_cpus=2))
    if args.mode == "val":
        return steps.validate(config, args.split)
    if not args.infer_dir:
        raise SystemExit("--mode infer needs --infer-dir")
    return steps.infer(
        config,
        args.infer_dir,
        args.runtime,
        args.output or config.workdir,
        cached_reference=args.cached_reference,
    )


def cli(argv=None) -> None:
    """Command-line entry (``tfdefect recipe mpb3_smt``): run and print the wall time."""
    run_timed(main, argv, "mpb3_smt")


if __name__ == "__main__":
    cli(sys.argv[1:])
