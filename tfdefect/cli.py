"""``tfdefect``: the commands users run, behind subcommands.

tfdefect list-models
tfdefect recipe segment_chips --quick          (= python -m recipes.segment_chips)
tfdefect build-dataset chips6 --data-dir D     (= tfds build datasets/chips6)
tfdefect export model.keras --name chips_segmenter --version 2 --onnx
tfdefect predict saved_models/chips_segmenter/1 chip.png --output predictions/
tfdefect predict saved_models/pcb_padim/1 boards/ --output scores/   (anomaly models)
tfdefect stream saved_models/pcb_padim/1 line.mp4       (a video file or a camera index)
tfdefect build-dataset pcb_anomaly --category toolbox --manual-dir D   (any MVTec folder)
tfdefect extract-good SOURCE D/toolbox/train/good
tfdefect build-masks seg/*.png --labels-json labels.json --label nail --output D/ground_truth/t
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

RECIPES = {
    "segment_chips": "semantic segmentation of chip defects (U-Net, ResNet50-FPN) on chips6",
    "mask_rcnn_chips": "Mask R-CNN for chip defects, the chips seed's three variants",
    "padim_pcb": "PaDiM anomaly detection on PCB boards or any MVTec-format category",
    "mpb3_smt": "MPB3 Siamese classifier of SMT component pairs with MPWR resampling",
    "casting_zoo": "eight transfer-learning classifiers on cast impellers, freeze strategies",
    "wafer_mobilenet": "edge MobileNetV2 wafer SEM classifier: leakage audit, recall first, INT8",
}


def _repo_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _cmd_list_models(args) -> int:
    from tfdefect.registry import list_models

    print("\n".join(list_models()))
    return 0


def _cmd_recipe(args) -> int:
    if args.name not in RECIPES:
        print(f"unknown recipe {args.name!r}; available: {', '.join(RECIPES)}", file=sys.stderr)
        return 2
    sys.path.insert(0, _repo_root())
    module = importlib.import_module(f"recipes.{args.name}")
    module.main(args.recipe_args)
    return 0


def _cmd_build_dataset(args) -> int:
    import tensorflow_datasets as tfds

    from tfdefect.data.tfds_builders import builder_module

    module = builder_module(args.name)
    config = args.config
    if args.category:
        if not hasattr(module, "PcbAnomalyConfig"):
            print(f"--category applies to pcb_anomaly, not {args.name}", file=sys.stderr)
            return 2
        config = module.PcbAnomalyConfig(
            name=f"mvtec_{args.category}", manual=True, category=args.category
        )
    builder = module.Builder(config=config, data_dir=os.path.expanduser(args.data_dir))
    download_config = tfds.download.DownloadConfig(manual_dir=args.manual_dir)
    builder.download_and_prepare(download_config=download_config)
    print(f"{args.name}/{builder.builder_config.name} prepared at {builder.data_path}")
    for split, info in builder.info.splits.items():
        print(f"  {split}: {info.num_examples} examples")
    return 0


def _cmd_export(args) -> int:
    import keras

    import tfdefect.models  # noqa: F401  (registers the custom classes)
    from tfdefect.export import export_onnx, export_savedmodel
    from tfdefect.models.segmenters.postprocess import segmentation_outputs

    model = keras.saving.load_model(args.model)
    postprocess = segmentation_outputs if "probabilities" in model.output_names else None
    base = os.path.join(args.export_dir, args.name)
    print(
        "SavedModel:",
        export_savedmodel(
            model, base, args.version, postprocess=postprocess, overwrite=args.overwrite
        ),
    )
    if args.onnx:
        path = os.path.join(args.export_dir, "onnx", f"{args.name}_v{args.version}.onnx")
        difference = export_onnx(model, path, postprocess=postprocess, overwrite=args.overwrite)
        print(f"ONNX: {path} (opset 17), max |onnx - keras| = {difference:.2e}")
    return 0


def _cmd_predict(args) -> int:
    from tfdefect.inference.anomaly_predictor import is_anomaly_model, predict_anomaly_files

    if is_anomaly_model(args.model):
        rows = predict_anomaly_files(args.model, args.images, args.output)
        flagged = sum(row["is_anomalous"] for row in rows)
        print(f"{len(rows)} images, {flagged} anomalous -> {args.output}/scores.csv")
        return 0
    from tfdefect.inference.segmentation_predictor import predict_files

    rows = predict_files(args.model, args.images, args.output)
    print(f"{len(rows)} images -> {os.path.join(args.output, 'predictions.csv')}")
    return 0


def _cmd_stream(args) -> int:
    from tfdefect.inference.anomaly_predictor import stream

    stream(args.model, args.source, max_frames=args.max_frames, output=args.output)
    return 0


def _cmd_extract_good(args) -> int:
    from tfdefect.data.good_image_extractor import extract_good_images

    result = extract_good_images(args.source, args.destination)
    print(f"copied {result['copied']} images to {args.destination}")
    for relative in result["skipped_existing"]:
        print(f"  kept existing {relative} (not overwritten)")
    return 0


def _cmd_build_masks(args) -> int:
    from tfdefect.data.mask_builder import build_masks

    written = build_masks(args.images, args.labels_json, args.label, args.output)
    print(f"wrote {len(written)} masks to {args.output}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tfdefect", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
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
    p.add_argument("name", help="dataset folder under datasets/, e.g. chips6")
    p.add_argument("--config", default="synthetic", help="builder config (synthetic, manual)")
    p.add_argument("--data-dir", default="~/tensorflow_datasets")
    p.add_argument("--manual-dir", default=None, help="folder with real data (manual config)")
    p.add_argument("--category", help="pcb_anomaly: MVTec-format category folder in manual-dir")
    p.set_defaults(run=_cmd_build_dataset)

    p = commands.add_parser("export", help="export a .keras model to SavedModel (+ ONNX)")
    p.add_argument("model", help="a .keras file")
    p.add_argument("--name", required=True, help="served model name")
    p.add_argument("--version", type=int, default=1)
    p.add_argument("--export-dir", default="saved_models")
    p.add_argument("--onnx", action="store_true", help="also write a parity-checked ONNX file")
    p.add_argument(
        "--overwrite", action="store_true", help="replace an existing version (and ONNX file)"
    )
    p.set_defaults(run=_cmd_export)

    p = commands.add_parser(
        "predict", help="segment images or score anomalies with a SavedModel or .keras model"
    )
    p.add_argument("model", help="SavedModel version folder or .keras file")
    p.add_argument(
        "images", nargs="+", help="image files (anomaly models: also folders), see README"
    )
    p.add_argument("--output", default="predictions", help="folder for masks, overlays, CSV")
    p.set_defaults(run=_cmd_predict)

    p = commands.add_parser("stream", help="score video frames with an anomaly model")
    p.add_argument("model", help="SavedModel version folder or .keras file")
    p.add_argument("source", help="video file, or a camera index such as 0")
    p.add_argument("--max-frames", type=int, default=None)
    p.add_argument("--output", help="write an annotated video (.avi, MJPG) here")
    p.set_defaults(run=_cmd_stream)

    p = commands.add_parser("extract-good", help="copy good images into an MVTec train/good tree")
    p.add_argument("source", help="folder tree of good images")
    p.add_argument("destination", help="e.g. data/toolbox/train/good (never overwritten)")
    p.set_defaults(run=_cmd_extract_good)

    p = commands.add_parser("build-masks", help="binary masks from colour segmentation images")
    p.add_argument("images", nargs="+", help="colour segmentation images")
    p.add_argument("--labels-json", required=True, help="JSON with label_name / pixel_value")
    p.add_argument("--label", action="append", required=True, help="defect label (repeatable)")
    p.add_argument("--output", required=True, help="folder for <stem>_mask.png")
    p.set_defaults(run=_cmd_build_masks)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
