"""How fast each backbone learns the wafer SEM classes from random weights: validation
accuracy, macro recall and per-class recall every ``--steps / 4`` training steps.

    python bench/wafer_learning.py                                  # MobileNetV2, ResNet18, LUNA
    python bench/wafer_learning.py --models mobilenetv2 --size 160 --steps 800

Plain cross-entropy, Adam, batch 16, no augmentation, BatchNorm momentum 0.9: the same
loop for every backbone, so that a class none of them learns points at the data or the
budget rather than at one architecture. Only the training and validation splits of
wafer_sem are read (the test split is never touched). MobileNetV2 takes the grey image;
the other backbones take it repeated to three channels. Recall comes from
``tfdefect.callbacks.PerClassRecall`` (macro over the classes validation holds). Prints
one line per checkpoint and the machine's description; writes the figures to ``--output``
(JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

GREY_MODELS = ("mobilenetv2",)
RESULTS = os.path.join("bench_results", "wafer_learning.json")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["mobilenetv2", "resnet18", "luna"])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--size", type=int, default=224, help="model input side (px)")
    parser.add_argument("--alpha", type=float, default=0.5, help="MobileNetV2 width")
    parser.add_argument("--num-sites", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=None, help="TFDS data dir (default: TFDS's)")
    parser.add_argument("--output", default=RESULTS)
    args = parser.parse_args(argv)
    if args.steps < 4:
        parser.error(f"--steps {args.steps}: at least 4 (one checkpoint every steps / 4)")
    return args


def load_splits(args):
    """{split: ((N, S, S, 1) float32 0..255, (N,) labels)} for train and validation."""
    import tensorflow as tf

    from tfdefect.datasets.wafer_sem.data_config import WaferSemDataConfig
    from tfdefect.recipes.wafer_mobilenet_steps import load_split

    config = WaferSemDataConfig(num_sites=args.num_sites)
    if args.data_dir:
        config.data_dir = args.data_dir
    builder = config.prepare()
    names = list(builder.info.features["label"].names)
    splits = {}
    for split in ("train", "validation"):
        images, labels = load_split(builder, split)
        images = images.astype("float32")
        if args.size != images.shape[1]:
            images = tf.image.resize(images, (args.size, args.size)).numpy()
        splits[split] = (images, labels)
    return names, splits


def learning_curve(model_name, splits, class_names, args) -> list[dict]:
    """Train one backbone for ``args.steps`` in four epochs; validation figures after each."""
    import keras
    import tensorflow as tf

    from tfdefect.callbacks import PerClassRecall
    from tfdefect.models.classifiers import ImageClassifier

    images, labels = splits["train"]
    val_images, val_labels = splits["validation"]
    channels = 1 if model_name in GREY_MODELS else 3
    if channels == 3:
        images, val_images = np.repeat(images, 3, -1), np.repeat(val_images, 3, -1)
    keras.utils.set_random_seed(args.seed)
    options = {"alpha": args.alpha} if model_name == "mobilenetv2" else {}
    model = ImageClassifier(
        model_name,
        num_classes=len(class_names),
        image_shape=(args.size, args.size, channels),
        backbone_options=options,
        batch_norm_momentum=0.9,
    )
    model.compile(
        keras.optimizers.Adam(args.learning_rate),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    batches = (
        tf.data.Dataset.from_tensor_slices((images, labels))
        .shuffle(len(labels), seed=args.seed)
        .repeat()
        .batch(args.batch_size)
        .prefetch(2)
    )
    validation = tf.data.Dataset.from_tensor_slices((val_images, val_labels)).batch(64)
    counts = np.bincount(val_labels, minlength=len(class_names))
    every, started, points = args.steps // 4, time.perf_counter(), []

    def record(epoch, logs):
        # PerClassRecall logs NaN for a class absent from validation (None in the JSON)
        recall = np.array([logs[f"val_recall_{n}"] for n in class_names])
        accuracy = np.nansum(recall * counts) / counts.sum()  # = correct / validation images
        points.append(
            {
                "step": every * (epoch + 1),
                "seconds": round(time.perf_counter() - started, 1),
                "train_accuracy": round(float(logs["accuracy"]), 4),
                "val_accuracy": round(float(accuracy), 4),
                "val_macro_recall": round(float(logs["val_macro_recall"]), 4),
                "val_recall": [None if np.isnan(r) else round(float(r), 3) for r in recall],
            }
        )
        print(model_name, json.dumps(points[-1]), flush=True)

    model.fit(
        batches,
        steps_per_epoch=every,
        epochs=4,
        verbose=0,
        callbacks=[
            PerClassRecall(validation, class_names, verbose=False),  # before record: its logs
            keras.callbacks.LambdaCallback(on_epoch_end=record),
        ],
    )
    return points


def main(argv=None):
    args = parse_args(argv)
    from tfdefect.bench.machine import describe_machine
    from tfdefect.bench.report import write_bench_json

    machine = describe_machine()
    print(machine)
    names, splits = load_splits(args)
    print("classes:", ", ".join(names))
    results = {
        "settings": {k: v for k, v in vars(args).items() if k != "output"},
        "classes": names,
        "curves": {m: learning_curve(m, splits, names, args) for m in args.models},
    }
    write_bench_json(args.output, machine, results)
    print("wrote", args.output)


if __name__ == "__main__":
    from tfdefect.console import console_logging

    with console_logging():
        main()
