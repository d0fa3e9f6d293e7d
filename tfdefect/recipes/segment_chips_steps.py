"""The steps of recipes.segment_chips: data, training, evaluation, plots, export."""

from __future__ import annotations

import os
import time

import keras
import numpy as np

from tfdefect.data.channel_selection import first_channels
from tfdefect.data.segmentation_pipeline import segmentation_pipeline
from tfdefect.datasets.chips6.data_config import chips6_class_names
from tfdefect.datasets.chips6.names import CHANNEL_NAMES
from tfdefect.evaluation import write_run_report
from tfdefect.evaluation.segmentation import (
    evaluate_segmenter,
    format_segmentation_report,
)
from tfdefect.export import describe_model
from tfdefect.losses import DiceFocalLoss, median_frequency_weights
from tfdefect.metrics import segmentation_metrics
from tfdefect.recipes.common import (
    announce,
    publish_for_serving,
    save_keras_with_metadata,
    say,
    start_run,
)
from tfdefect.registry import create_model
from tfdefect.training.fit import fit_model
from tfdefect.viz import plot_segmentation_predictions, plot_training_curves


def class_pixel_counts(dataset, num_classes):
    """(K,) pixel counts per class over a (images, masks) dataset."""
    counts = np.zeros(num_classes, np.int64)
    for _, masks in dataset:
        counts += np.bincount(masks.numpy().ravel(), minlength=num_classes)[:num_classes]
    return counts


def build_model(config, image_size, class_names, class_weights=None):
    side = None if config.crop_size else image_size  # crops: fully convolutional model
    kwargs = dict(
        num_classes=len(class_names),
        image_shape=(side, side, config.channels),
        merge_channels=config.merge_channels,
        merge_weights=config.merge_weights,
    )
    if config.model == "unet":
        kwargs["filters"] = config.unet_filters
    model = create_model(f"segmenter_{config.model}", **kwargs)
    model.compile(
        optimizer=keras.optimizers.Adam(config.train.learning_rate),
        loss=DiceFocalLoss(
            len(class_names),
            gamma=config.focal_gamma,
            class_weights=class_weights,
            dice_weight=config.dice_weight,
            focal_weight=config.focal_weight,
        ),
        metrics=segmentation_metrics(class_names),
    )
    return model


def chips_splits(config, builder) -> dict:
    """{"train", "validation", "test"}: (images, masks) batches of the model's channels;
    training crops of ``crop_size``, whole chips otherwise."""
    return {
        split: first_channels(
            segmentation_pipeline(
                builder.as_dataset(split=split),
                batch_size=config.train.batch_size,
                training=split == "train",
                seed=config.data.seed,
                crop_size=config.crop_size,
                defect_crop_probability=config.defect_crop_probability,
            ),
            config.channels,
        )
        for split in ("train", "validation", "test")
    }


def focal_class_weights(config, builder, class_names):
    """Median-frequency weights of the training masks' pixel counts (None unless
    ``balance_classes``)."""
    if not config.balance_classes:
        return None
    counts = class_pixel_counts(
        builder.as_dataset(split="train").map(lambda ex: (ex["image"], ex["mask"])).batch(64),
        len(class_names),
    )
    class_weights = median_frequency_weights(counts)
    say(
        "training pixels per class: "
        + ", ".join(f"{n} {c}" for n, c in zip(class_names, counts, strict=True))
    )
    say(
        "focal class weights: "
        + ", ".join(f"{n} {w:.2f}" for n, w in zip(class_names, class_weights, strict=True))
    )
    return class_weights


def run(config, strategy) -> dict:
    """Run the whole recipe; return the metrics dict (also written to metrics.json)."""
    start_run(config)
    announce(f"data: chips6 ({'manual' if config.data.manual_dir else 'synthetic'})")
    started = time.time()
    builder = config.data.prepare()
    class_names = chips6_class_names(builder)
    say(
        f"chips6 ready in {time.time() - started:.0f}s at {builder.data_path}: "
        + ", ".join(
            f"{s} {builder.info.splits[s].num_examples}" for s in ("train", "validation", "test")
        ),
    )
    splits = chips_splits(config, builder)

    announce(
        f"model: {config.model} ({config.channels} channels, merge="
        f"{config.merge_channels}), strategy {type(strategy).__name__}"
    )
    class_weights = focal_class_weights(config, builder, class_names)
    with strategy.scope():
        model = build_model(config, config.data.image_size, class_names, class_weights)
    say(f"{model.count_params():,} parameters")
    untrained, _ = evaluate_segmenter(model, splits["test"], class_names)
    baseline = untrained.result()
    say(f"untrained: mean defect F1 {baseline['mean_defect_f1']:.3f}")

    announce(f"training: up to {config.train.epochs} epochs, workdir {config.workdir}")
    fit_model(model, splits["train"], splits["validation"], config.train, config.workdir)

    announce("evaluation on the test split")
    evaluator, shown = evaluate_segmenter(model, splits["test"], class_names)
    result = evaluator.result()
    result["untrained_mean_defect_f1"] = baseline["mean_defect_f1"]
    result["model"] = config.model
    say(format_segmentation_report(result))

    announce("plots")
    figures = {
        "training_curves": plot_training_curves(
            os.path.join(config.workdir, "history.csv"),
            os.path.join(config.workdir, "training_curves.png"),
        ),
        "predictions": plot_segmentation_predictions(
            *shown,
            CHANNEL_NAMES[: config.channels],
            class_names,
            os.path.join(config.workdir, "predictions.png"),
        ),
    }
    for name, path in figures.items():
        say(f"{name}: {path}")

    metadata = describe_model(
        model,
        class_names,
        extra={"channel_names": list(CHANNEL_NAMES[: config.channels]), "display_channel": 1},
    )
    save_keras_with_metadata(model, os.path.join(config.workdir, "inference.keras"), metadata)
    published = publish_for_serving(
        model, config, metadata, sample_images=shown[0][:2].astype(np.uint8)
    )
    result["savedmodel"] = published.path
    result["version"] = published.version
    if published.onnx_path:
        result["onnx"] = published.onnx_path
        result["onnx_max_abs_diff"] = published.onnx_max_diff
    report = write_run_report(config.workdir, "segment_chips", config, result, [published.path])
    say(f"metrics: {report}")
    return result
