"""``tfdefect``: the commands users run, behind subcommands.

tfdefect list-models
tfdefect recipe segment_chips --quick          (= python -m recipes.segment_chips)
tfdefect build-dataset chips6 --data-dir D     (= tfds build datasets/chips6)
tfdefect export runs/segment_chips_quick/inference.keras --name chips_segmenter  (next version)
tfdefect predict saved_models/chips_segmenter/1 chip.png --output predictions/
tfdefect predict saved_models/pcb_padim/1 boards/ --output scores/   (files and folders)
tfdefect predict saved_models/smt_mpb3/1 test.png --reference gold.png --output pairs/
tfdefect stream saved_models/pcb_padim/1 line.mp4       (a video file or a camera index)
tfdefect build-dataset pcb_anomaly --category toolbox --manual-dir D   (any MVTec folder)
tfdefect extract-good SOURCE D/toolbox/train/good
tfdefect build-masks seg/*.png --labels-json labels.json --label nail --output D/ground_truth/t
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from tfdefect.errors import USER_ERRORS, report_user_error
from tfdefect.recipes.front import add_console_flags

logger = logging.getLogger(__name__)

RECIPES = {
    "segment_chips": "semantic segmentation of chip defects (U-Net, ResNet50-FPN) on chips6",
    "mask_rcnn_chips": "Mask R-CNN for chip defects, the chips Mask R-CNN report's three variants",
    "padim_pcb": "PaDiM anomaly detection on PCB boards or any MVTec-format category",
    "mpb3_smt": "MPB3 Siamese classifier of SMT component pairs with MPWR resampling",
    "casting_zoo": "eight transfer-learning classifiers on cast impellers, freeze strategies",
    "wafer_mobilenet": "edge MobileNetV2 wafer SEM classifier: leakage audit, recall first, INT8",
}


def positive_int(text: str) -> int:
    """argparse type of counts such as ``--batch-size``: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _cmd_list_models(args) -> int:
    from tfdefect.registry import list_models

    print("\n".join(list_models()))
    return 0


def _cmd_recipe(args) -> int:
    if args.name not in RECIPES:
        print(f"unknown recipe {args.name!r}; available: {', '.join(RECIPES)}", file=sys.stderr)
        return 2
    module = importlib.import_module(f"tfdefect.recipes.{args.name}")
    module.cli(args.recipe_args)
    return 0


def _cmd_build_dataset(args) -> int:
    from tfdefect.datasets.prepare import prepare_builder
    from tfdefect.datasets.tfds_builders import builder_module

    module = builder_module(args.name)
    config = _named_config(module.Builder, args.config)
    if args.category:
        if not hasattr(module, "PcbAnomalyConfig"):
            print(f"--category applies to pcb_anomaly, not {args.name}", file=sys.stderr)
            return 2
        config = module.PcbAnomalyConfig(
            name=f"mvtec_{args.category}", manual=True, category=args.category
        )
    if args.overrides:
        config = _overridden_config(config, args.overrides)
    builder = prepare_builder(
        module.Builder,
        config,
        args.data_dir,
        manual_dir=args.manual_dir,
        rebuild=args.rebuild,
    )
    logger.info(f"{args.name}/{builder.builder_config.name} prepared at {builder.data_path}")
    for split, info in builder.info.splits.items():
        logger.info(f"  {split}: {info.num_examples} examples")
    return 0


def _named_config(builder_cls, name: str):
    named = {c.name: c for c in builder_cls.BUILDER_CONFIGS}
    if name not in named:
        raise ValueError(f"unknown config {name!r}; available: {', '.join(named)}")
    return named[name]


def _overridden_config(config, overrides):
    """``config`` with ``--set key=value`` overrides (dotted keys reach nested settings),
    each value checked against its rule. The prepared data is keyed by every setting, the
    builder version and the manual folder (``tfdefect.datasets.prepare``)."""
    from tfdefect.config import apply_overrides
    from tfdefect.config_rules import check_config_values

    changed = apply_overrides(config, overrides)
    check_config_values(changed)
    return changed


def _cmd_export(args) -> int:
    import json

    from tfdefect.export.publish_keras_file import publish_keras_file

    published = publish_keras_file(
        args.model,
        args.export_dir,
        args.name,
        overwrite=args.overwrite,
        onnx=args.onnx,
        serving_root=args.serving_root,
    )
    if args.json:
        print(json.dumps(published))
    return 0


def _cmd_predict(args) -> int:
    from tfdefect.inference.folder_prediction import predict_to_folder
    from tfdefect.inference.predictor import Predictor

    predictor = Predictor(args.model, batch_size=args.batch_size)
    logger.info(f"{args.model}: {predictor.task} model, classes {', '.join(predictor.class_names)}")
    summary = predict_to_folder(
        predictor,
        args.inputs,
        args.output,
        reference=args.reference,
        pairs_csv=args.pairs,
        position_id=args.position_id,
        overwrite=args.overwrite,
        pictures=not args.no_pictures,
    )
    verdicts = ", ".join(f"{k} {v}" for k, v in sorted(summary["verdicts"].items()))
    logger.info(f"{summary['images']} images ({verdicts or 'none'}) -> {summary['predictions']}")
    if summary["failures"]:
        logger.error(
            f"{summary['failures']} inputs could not be read: "
            f"{os.path.join(args.output, 'failures.jsonl')}"
        )
        return 1
    return 0


def _cmd_stream(args) -> int:
    from tfdefect.inference.anomaly_stream import stream

    stream(
        args.model,
        args.source,
        max_frames=args.max_frames,
        output=args.output,
        overwrite=args.overwrite,
    )
    return 0


def _cmd_extract_good(args) -> int:
    from tfdefect.data.good_image_extractor import extract_good_images

    result = extract_good_images(args.source, args.destination)
    logger.info(f"copied {result['copied']} images to {args.destination}")
    for relative in result["skipped_existing"]:
        logger.info(f"  kept existing {relative} (not overwritten)")
    return 0


def _cmd_batch_predict(args, beam_args=()) -> int:
    """Run the Beam pipeline: 0 when every file was inspected, 1 when some went to the
    failures output (the run still completes), 2 for a user's mistake (nothing written)."""
    try:
        from tfdefect.beam.batch_predict import batch_predict, failure_files
    except ModuleNotFoundError as error:
        if error.name and error.name.split(".")[0] == "apache_beam":
            raise ValueError(
                "batch-predict runs on Apache Beam, which is not installed: "
                "pip install 'tfdefect[beam]'"
            ) from None
        raise

    summary = batch_predict(
        args.model,
        args.pattern,
        args.output,
        pairs_csv=args.pairs,
        position_id=args.position_id,
        batch_size=args.batch_size,
        runner=args.runner,
        pipeline_args=list(beam_args),
        overwrite=args.overwrite,
    )
    verdicts = ", ".join(f"{k} {v}" for k, v in summary["verdicts"].items())
    logger.info(
        f"{summary['images']} images ({verdicts or 'none'}), {summary['failures']} failures -> "
        f"{args.output}/predictions-*.jsonl, failures-*.jsonl, summary.json"
    )
    if summary["failures"]:
        logger.error(
            f"{summary['failures']} inputs failed (reasons in "
            f"{', '.join(failure_files(args.output))})"
        )
        return 1
    return 0


def _cmd_convert_weights(args) -> int:
    from tfdefect.backbones.weight_conversion import convert_checkpoint

    report = convert_checkpoint(
        args.architecture, args.input, args.output, tuple(args.image_size), args.overwrite
    )
    size = "x".join(str(side) for side in report["image_size"])
    resampled = ""
    if report["resampled"]:  # transformer tables fitted to --image-size
        resampled = f", {len(report['resampled'])} resampled for {size} px"
    logger.info(
        f"{report['architecture']}: {report['assigned_tensors']} tensors assigned to "
        f"{report['keras_variables']} Keras variables, {len(report['ignored'])} ignored "
        f"({', '.join(sorted(set(report['ignored'].values())))}){resampled}\n"
        f"weights: {report['output']}\nreport: {report['report']}"
    )
    return 0


def _cmd_build_masks(args) -> int:
    from tfdefect.data.mask_builder import build_masks

    written = build_masks(args.images, args.labels_json, args.label, args.output)
    logger.info(f"wrote {len(written)} masks to {args.output}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tfdefect", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the Python traceback of an error"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("list-models", help="names accepted by create_model")
    p.set_defaults(run=_cmd_list_models)

    p = commands.add_parser(
        "recipe",
        help="run a recipe (its own --help lists options)",
        description="\n".join(f"{k}: {v}" for k, v in RECIPES.items()),
    )
    p.add_argument("name", help=", ".join(RECIPES))
    p.add_argument("recipe_args", nargs=argparse.REMAINDER, help="arguments of the recipe")
    p.set_defaults(run=_cmd_recipe)

    p = commands.add_parser("build-dataset", help="build a TFDS dataset of this library")
    p.add_argument("name", help="casting, chips6, pcb_anomaly, smt_pairs or wafer_sem")
    p.add_argument("--config", default="synthetic", help="builder config (synthetic, manual)")
    p.add_argument("--data-dir", default="~/tensorflow_datasets")
    p.add_argument("--manual-dir", default=None, help="folder with real data (manual config)")
    p.add_argument("--category", help="pcb_anomaly: MVTec-format category folder in manual-dir")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config field, e.g. num_train=64 or image_size=96",
    )
    p.add_argument("--rebuild", action="store_true", help="build again even if prepared")
    p.set_defaults(run=_cmd_build_dataset)

    p = commands.add_parser(
        "export", help="publish a .keras model as the next SavedModel (+ ONNX) version"
    )
    p.add_argument("model", help="a .keras file saved by a recipe (it carries its metadata)")
    p.add_argument("--name", required=True, help="served model name (letters, digits, _.-)")
    p.add_argument("--export-dir", default="saved_models", help="TF Serving model root")
    p.add_argument(
        "--onnx",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also write a parity-checked model.onnx into the version folder",
    )
    p.add_argument(
        "--overwrite",
        type=int,
        metavar="VERSION",
        help="replace this published version (default: publish the next free number)",
    )
    p.add_argument(
        "--serving-root",
        help="where --export-dir is mounted for TF Serving (e.g. /models), for models.config",
    )
    p.add_argument(
        "--json", action="store_true", help="print the result as JSON on stdout (progress: stderr)"
    )
    p.set_defaults(run=_cmd_export)

    p = commands.add_parser(
        "predict",
        help="predict image files and folders with any exported or saved model",
        description="Writes predictions.jsonl, predictions.csv, failures.jsonl and "
        "pictures/ into --output. Exit code 1 if some input could not be read.",
    )
    p.add_argument("model", help="SavedModel version folder, .keras, .onnx or .tflite file")
    p.add_argument("inputs", nargs="*", help="image files or folders (searched recursively)")
    p.add_argument("--output", default="predictions", help="results folder")
    p.add_argument("--reference", help="pair models: the reference (gold) image for all inputs")
    p.add_argument("--pairs", help="pair models: CSV with columns reference,test")
    p.add_argument("--position-id", type=int, help="cached-reference pair models: position")
    p.add_argument("--batch-size", type=positive_int, default=8)
    p.add_argument("--no-pictures", action="store_true", help="skip the PNG per image")
    p.add_argument(
        "--overwrite", action="store_true", help="replace results of an earlier run in --output"
    )
    p.set_defaults(run=_cmd_predict)

    p = commands.add_parser("stream", help="score video frames with an anomaly model")
    p.add_argument("model", help="SavedModel version folder or .keras file")
    p.add_argument("source", help="video file, or a camera index such as 0")
    p.add_argument("--max-frames", type=positive_int, default=None)
    p.add_argument("--output", help="write an annotated video (.avi, MJPG) here")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --output")
    p.set_defaults(run=_cmd_stream)

    p = commands.add_parser("extract-good", help="copy good images into an MVTec train/good tree")
    p.add_argument("source", help="folder tree of good images")
    p.add_argument("destination", help="e.g. data/toolbox/train/good (never overwritten)")
    p.set_defaults(run=_cmd_extract_good)

    p = commands.add_parser(
        "batch-predict",
        help="inspect many images with Apache Beam (DirectRunner, Flink, Spark, Dataflow)",
        description="Unknown options are Beam pipeline options, e.g. --direct_num_workers=2 "
        "--direct_running_mode=multi_processing, or --project/--region/--temp_location for "
        "Dataflow.",
    )
    p.add_argument("model", help="an exported model (SavedModel version folder, .onnx, .keras)")
    p.add_argument(
        "pattern", nargs="?", help='files to inspect, e.g. "/data/night/*.png" (or --pairs)'
    )
    p.add_argument("--output", required=True, help="results folder (any Beam filesystem)")
    p.add_argument("--pairs", help="CSV of reference,test paths (pair models; no pattern)")
    p.add_argument("--position-id", type=int, help="position of a cached-reference MPB3")
    p.add_argument("--runner", default="DirectRunner")
    p.add_argument("--batch-size", type=positive_int, default=8)
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace earlier results (only once the new run has succeeded)",
    )
    p.set_defaults(run=_cmd_batch_predict, beam=True)

    p = commands.add_parser(
        "convert-weights",
        help="a torchvision / timm .safetensors checkpoint -> a Keras .weights.h5 backbone",
    )
    from tfdefect.backbones.torch_conversion import ALIASES, MODEL_NAMES, names_help

    p.add_argument(
        "--architecture",
        required=True,
        choices=[*MODEL_NAMES, *ALIASES],
        metavar="NAME",
        help=f"the tfdefect model name: {names_help()}; torch weights load into the zoo's "
        "alexnet, resnet18, vit, deit, deit_undistilled, swin_t, PaDiM's resnet18 / "
        "wide_resnet50, Mask R-CNN's resnet25 and ResNetBackbone('resnet50')",
    )
    p.add_argument("--input", required=True, help=".safetensors checkpoint (never a pickle)")
    p.add_argument(
        "--output",
        help="the .weights.h5 to write (default: <model name>.weights.h5 in the current "
        "folder, the name the zoo looks for); <stem>.conversion.json goes beside it",
    )
    p.add_argument(
        "--image-size",
        nargs=2,
        type=positive_int,
        default=(224, 224),
        metavar=("H", "W"),
        help="the input size the backbone will be built at (default 224 224): ViT / DeiT "
        "position tables are resampled and Swin bias tables cropped for it; recorded in the "
        "file and conversion.json, and a transformer built at another size refuses the file "
        "(ResNets and AlexNet take any size)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing output")
    p.set_defaults(run=_cmd_convert_weights)

    p = commands.add_parser("build-masks", help="binary masks from colour segmentation images")
    p.add_argument("images", nargs="+", help="colour segmentation images")
    p.add_argument("--labels-json", required=True, help="JSON with label_name / pixel_value")
    p.add_argument("--label", action="append", required=True, help="defect label (repeatable)")
    p.add_argument("--output", required=True, help="folder for <stem>_mask.png")
    p.set_defaults(run=_cmd_build_masks)
    for name, command in commands.choices.items():
        if name != "recipe":  # a recipe takes --quiet / --verbose itself
            add_console_flags(command)
    return parser


def main(argv=None) -> int:
    from tfdefect.console import console_level, console_logging, hide_tensorflow_startup

    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and not getattr(args, "beam", False):
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command == "recipe":  # the recipe sets up its console itself (--quiet, ...)
        return args.run(args)
    quiet, verbose = getattr(args, "quiet", False), getattr(args, "verbose", False)
    try:
        hide_tensorflow_startup()
        # with --json, stdout carries the JSON alone
        lines = sys.stderr if getattr(args, "json", False) else None
        with console_logging(console_level(quiet, verbose), lines):
            if getattr(args, "beam", False):  # the rest are Beam pipeline options
                return args.run(args, unknown)
            return args.run(args)
    except USER_ERRORS as error:
        if args.debug:
            raise
        return report_user_error(f"tfdefect {args.command}", error)


if __name__ == "__main__":
    sys.exit(main())
