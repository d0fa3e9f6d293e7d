"""``tfdefect``: the commands users run, behind subcommands.

tfdefect list-models
tfdefect recipe segment_chips --quick          (= python -m recipes.segment_chips)
tfdefect build-dataset chips6 --data-dir D     (= tfds build datasets/chips6)
tfdefect export model.keras --name chips_segmenter --version 2 --onnx
tfdefect predict saved_models/chips_segmenter/1 chip.png --output predictions/
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

RECIPES = {
    "segment_chips": "semantic segmentation of chip defects (U-Net, ResNet50-FPN) on chips6",
    "mask_rcnn_chips": "Mask R-CNN for chip defects, the chips seed's three variants",
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
    builder = module.Builder(config=args.config, data_dir=os.path.expanduser(args.data_dir))
    download_config = tfds.download.DownloadConfig(manual_dir=args.manual_dir)
    builder.download_and_prepare(download_config=download_config)
    print(f"{args.name}/{args.config} prepared at {builder.data_path}")
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
        difference = export_onnx(model, path, postprocess=postprocess)
        print(f"ONNX: {path} (opset 17), max |onnx - keras| = {difference:.2e}")
    return 0


def _cmd_predict(args) -> int:
    from tfdefect.inference.segmentation_predictor import predict_files

    rows = predict_files(args.model, args.images, args.output)
    print(f"{len(rows)} images -> {os.path.join(args.output, 'predictions.csv')}")
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
    p.set_defaults(run=_cmd_build_dataset)

    p = commands.add_parser("export", help="export a .keras model to SavedModel (+ ONNX)")
    p.add_argument("model", help="a .keras file")
    p.add_argument("--name", required=True, help="served model name")
    p.add_argument("--version", type=int, default=1)
    p.add_argument("--export-dir", default="saved_models")
    p.add_argument("--onnx", action="store_true", help="also write a parity-checked ONNX file")
    p.add_argument("--overwrite", action="store_true", help="replace an existing version")
    p.set_defaults(run=_cmd_export)

    p = commands.add_parser("predict", help="segment images with a SavedModel or .keras model")
    p.add_argument("model", help="SavedModel version folder or .keras file")
    p.add_argument("images", nargs="+", help="image files (.npy (H, W, C) or PNG, see README)")
    p.add_argument("--output", default="predictions", help="folder for masks, overlays, CSV")
    p.set_defaults(run=_cmd_predict)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
