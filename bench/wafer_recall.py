"""The wafer SEM report's claim: class weights and recall-first training lift the rare
wafer SEM classes, and INT8 keeps the recall.

    python bench/wafer_recall.py                       # 2 arms x 2 seeds, 4800 sites
    python bench/wafer_recall.py --arms recall_first --seeds 1 --steps 600

Every run trains the wafer recipe's MobileNetV2 (``recipes.wafer_mobilenet``'s own
functions) on the same synthetic wafer_sem split by site (``--sites`` sites: at least 600
test images by default), seeded end to end (weights, shuffle, augmentation; TF op
determinism on), for ``--steps`` steps in epochs of ``--epoch-steps``. Images have the
side the recipe config carries (``data.image_size``), the dataset's default: 224 px (the
same 96-unit field of view as 96 px, drawn 2.33x larger). The figures of docs/systems/wafer.md
were measured with 96 px images.

* ``plain``: unweighted cross-entropy, best epoch by validation loss;
* ``recall_first``: the recipe's default: tempered class weights (balanced ** 0.5),
  ``RecallWeightedTraining`` re-weighting each class by its validation recall, best epoch
  by validation macro recall.

Per run: test accuracy, macro recall and per-class recall of the float model, and of its
full-integer TFLite and onnxruntime static INT8 models (calibrated on 200 training images),
with the INT8 macro-recall drop in points. Prints the table (mean and min-max per arm) and
writes ``bench_results/wafer_recall.json``; finished runs found there are kept (an
interrupted bench resumes; ``--fresh`` starts over). Nothing is published to
``saved_models``: the files of each run stay under ``--workdir``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil

from tfdefect.bench.budget import whole_epochs

RESULTS = os.path.join("bench_results", "wafer_recall.json")
RUNTIMES = ("float", "tflite_int8", "onnx_int8")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--arms", nargs="+", default=["plain", "recall_first"], choices=["plain", "recall_first"]
    )
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--sites", type=int, default=4800)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--epoch-steps", type=int, default=150)
    parser.add_argument("--alpha", type=float, default=0.5, help="MobileNetV2 width")
    parser.add_argument("--input-scale", type=int, default=1, help="enlarge images in the model")
    parser.add_argument("--pooling", default="average", choices=["average", "max"])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument(
        "--recall-warmup",
        type=int,
        default=0,
        help="epochs before recall weighting starts (the recipe's recall_warmup_epochs)",
    )
    parser.add_argument("--workdir", default=os.path.join("bench_results", "wafer_runs"))
    parser.add_argument("--output", default=RESULTS)
    parser.add_argument("--fresh", action="store_true", help="ignore finished runs in --output")
    args = parser.parse_args(argv)
    whole_epochs(args.steps, args.epoch_steps)
    return args


def recipe_config(args, arm: str, seed: int):
    """The wafer recipe's config of one run."""
    from tfdefect.recipes.wafer_mobilenet import WaferMobilenetConfig

    if arm not in ("plain", "recall_first"):
        raise SystemExit(f"unknown arm {arm!r}: plain or recall_first")
    config = WaferMobilenetConfig(
        alpha=args.alpha,
        input_scale=args.input_scale,
        pooling=args.pooling,
        seed=seed,
        workdir=os.path.join(args.workdir, f"{arm}_seed{seed}"),
        recall_warmup_epochs=args.recall_warmup,
    )
    config.data = dataclasses.replace(config.data, num_sites=args.sites)
    config.train = dataclasses.replace(
        config.train,
        epochs=whole_epochs(args.steps, args.epoch_steps),
        steps_per_epoch=args.epoch_steps,
        batch_size=args.batch,
        learning_rate=args.learning_rate,
        early_stopping_patience=10**6,  # the same budget for every run
        tensorboard=False,
    )
    if arm == "plain":
        config.class_weight_power = 0.0
        config.recall_strength = 0.0  # RecallWeightedTraining then keeps every weight at 1
        config.train = dataclasses.replace(config.train, monitor="val_loss", monitor_mode="min")
    return config


def run_one(config, splits, class_names) -> dict:
    """Train one run, then evaluate the float model and its two INT8 models on the test
    split; returns {"float" | "tflite_int8" | "onnx_int8": classification figures, ...}."""
    import numpy as np

    from tfdefect.evaluation.classification import classification_figures
    from tfdefect.export import export_onnx
    from tfdefect.quantization import convert_tflite_int8, quantize_onnx_int8
    from tfdefect.recipes.wafer_mobilenet_steps import runtime_figures, train_recall_first

    model, _, train_seconds = train_recall_first(config, splits, class_names)
    test_images, test_labels = splits["test"]
    probabilities = np.asarray(model.predict(test_images.astype("float32"), verbose=0))
    calibration = splits["train"][0][: config.calibration_images]
    paths = {
        "onnx_float": os.path.join(config.workdir, "float.onnx"),
        "tflite_int8": os.path.join(config.workdir, "int8.tflite"),
        "onnx_int8": os.path.join(config.workdir, "int8.onnx"),
    }
    export_onnx(model, paths["onnx_float"], sample_images=test_images[:2])
    convert_tflite_int8(model, calibration, paths["tflite_int8"])
    quantize_onnx_int8(paths["onnx_float"], calibration, paths["onnx_int8"])
    results = {"float": classification_figures(test_labels, probabilities, class_names)}
    results.update(runtime_figures(splits["test"], class_names, paths, probabilities))
    results["train_seconds"] = round(train_seconds, 1)
    return results


def summary(rows, arms, class_names) -> tuple[str, dict]:
    """Markdown: per arm, mean [min-max] of accuracy, macro recall, lowest class recall and
    INT8 drops; then mean per-class recall per arm."""

    from tfdefect.bench.report import mean_min_max

    def spread(values, points=False):
        return mean_min_max([v * (100 if points else 1) for v in values])

    figures = {}
    for arm in arms:
        own = [r for r in rows if r["arm"] == arm]
        if not own:
            continue
        float_ = [r["results"]["float"] for r in own]
        figures[arm] = {
            "runs": len(own),
            "accuracy": spread([f["accuracy"] for f in float_]),
            "macro_recall": spread([f["macro_recall"] for f in float_]),
            "lowest_class_recall": spread(
                [min(c["recall"] for c in f["per_class"].values()) for f in float_]
            ),
            **{
                f"{runtime}_drop_points": spread(
                    [
                        r["results"]["float"]["macro_recall"]
                        - r["results"][runtime]["macro_recall"]
                        for r in own
                    ],
                    points=True,
                )
                for runtime in RUNTIMES[1:]
            },
            "per_class_recall": {
                name: sum(f["per_class"][name]["recall"] for f in float_) / len(float_)
                for name in class_names
            },
            "train_seconds": spread([r["results"]["train_seconds"] for r in own]),
        }
    columns = ["accuracy", "macro_recall", "lowest_class_recall"]
    drops = [f"{runtime}_drop_points" for runtime in RUNTIMES[1:]]
    table = (
        "| arm | runs | accuracy | macro recall | lowest class recall | TFLite INT8 drop (pt) "
        "| ORT INT8 drop (pt) | train s |\n|---|---|---|---|---|---|---|---|\n"
    )
    for arm, f in figures.items():
        cells = [f"{f[c]['mean']:.3f} [{f[c]['min']:.3f}-{f[c]['max']:.3f}]" for c in columns]
        cells += [f"{f[c]['mean']:.1f} [{f[c]['min']:.1f}-{f[c]['max']:.1f}]" for c in drops]
        table += (
            f"| {arm} | {f['runs']} | "
            + " | ".join(cells)
            + f" | {f['train_seconds']['mean']:.0f} |\n"
        )
    table += "\n| arm | " + " | ".join(class_names) + " |\n"
    table += "|---" * (len(class_names) + 1) + "|\n"
    for arm, f in figures.items():
        table += (
            f"| {arm} | "
            + " | ".join(f"{f['per_class_recall'][n]:.2f}" for n in class_names)
            + " |\n"
        )
    return table, figures


def main(argv=None):
    args = parse_args(argv)
    import keras
    import tensorflow as tf

    from tfdefect.bench.machine import describe_machine
    from tfdefect.bench.report import finished_runs, write_bench_json
    from tfdefect.recipes.wafer_mobilenet_steps import audited_splits

    tf.config.experimental.enable_op_determinism()
    machine = describe_machine()
    settings = {k: v for k, v in vars(args).items() if k not in ("fresh", "output", "arms")}
    print(f"machine: {machine}\nsettings: {settings}", flush=True)
    rows = [] if args.fresh else finished_runs(args.output, settings)
    done = {(r["arm"], r["seed"]) for r in rows}
    class_names, splits, report = audited_splits(recipe_config(args, args.arms[0], 0))
    test_count = len(splits["test"][1])
    for arm in args.arms:
        for seed in range(args.seeds):
            if (arm, seed) in done:
                continue
            config = recipe_config(args, arm, seed)
            if os.path.isdir(config.workdir):
                shutil.rmtree(config.workdir)  # an unfinished run of this bench
            results = run_one(config, splits, class_names)
            rows.append({"arm": arm, "seed": seed, "results": results})
            print(
                f"{arm} seed {seed}: macro recall {results['float']['macro_recall']:.3f}, "
                f"TFLite INT8 {results['tflite_int8']['macro_recall']:.3f}, "
                f"ORT INT8 {results['onnx_int8']['macro_recall']:.3f}",
                flush=True,
            )
            keras.backend.clear_session()
            write_bench_json(
                args.output,
                machine,
                {"settings": settings, "test_images": test_count, "runs": rows},
            )
    table, figures = summary(rows, args.arms, class_names)
    print(f"test split: {test_count} images\n" + table, flush=True)
    write_bench_json(
        args.output,
        machine,
        {
            "settings": settings,
            "test_images": test_count,
            "leaks": report.leaks,
            "runs": rows,
            "summary": figures,
        },
    )


if __name__ == "__main__":
    from tfdefect.console import console_logging

    with console_logging():
        main()
