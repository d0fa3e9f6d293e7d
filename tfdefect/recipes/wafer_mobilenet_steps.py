"""The work of recipes.wafer_mobilenet: audit, train, evaluate, export, quantize."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time

import keras
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from tfdefect.callbacks import PerClassRecall, RecallWeightedTraining
from tfdefect.data.element_seeds import with_element_seeds
from tfdefect.data.label_map import write_label_map
from tfdefect.data.leakage_audit import audit_tfds_builder
from tfdefect.data.safe_augmentation import safe_augment
from tfdefect.evaluation import write_run_report
from tfdefect.evaluation.classification import (
    classification_figures,
    format_figures,
    runtime_comparison_table,
)
from tfdefect.losses import ClassWeightedCrossentropy, balanced_class_weights
from tfdefect.models.classifiers import ImageClassifier, apply_freeze_strategy
from tfdefect.recipes.common import (
    announce,
    publish_for_serving,
    save_keras_with_metadata,
    say,
    start_run,
    strategy_scope,
)
from tfdefect.training.fit import fit_model
from tfdefect.viz.confusion_plots import plot_confusion_matrix
from tfdefect.viz.segmentation_plots import plot_training_curves


def load_split(builder, split) -> tuple[np.ndarray, np.ndarray]:
    """(N, H, W, 1) uint8 images and (N,) labels of a split."""
    images, labels = [], []
    for example in tfds.as_numpy(builder.as_dataset(split=split)):
        images.append(example["image"])
        labels.append(example["label"])
    return np.stack(images), np.array(labels)


def batches(images, labels, batch_size, training, seed=0):
    dataset = tf.data.Dataset.from_tensor_slices((images, labels))
    dataset = dataset.map(lambda image, label: (tf.cast(image, tf.float32), label))
    if training:
        dataset = dataset.shuffle(len(images), seed=seed).repeat()
        dataset = with_element_seeds(dataset, seed).map(
            lambda example, element_seed: (safe_augment(example[0], seed=element_seed), example[1]),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def prepared_splits(config):
    """Build wafer_sem as ``config.data`` says; returns (builder, class names,
    {split: (images, labels)})."""
    builder = config.data.prepare()
    class_names = list(builder.info.features["label"].names)
    splits = {s: load_split(builder, s) for s in ("train", "validation", "test")}
    return builder, class_names, splits


def audited_splits(config):
    """Prepare wafer_sem, print the split counts and audit the splits for leaks (stop with
    ``fail_on_leak``); returns (class names, {split: (images, labels)}, leakage report)."""
    announce("data: wafer_sem (split by site / near-duplicate group)")
    builder, class_names, splits = prepared_splits(config)
    for split, (_, labels) in splits.items():
        counts = np.bincount(labels, minlength=len(class_names))
        say(
            f"{split:<10} {len(labels):5d}: "
            + ", ".join(f"{n} {c}" for n, c in zip(class_names, counts, strict=True))
        )
    announce("leakage audit")
    report = audit_tfds_builder(builder, near_threshold=config.data.near_threshold)
    say(report.summary())
    say(report.write_json(os.path.join(config.workdir, "leakage_report.json")))
    if report.leaks and config.fail_on_leak:
        raise SystemExit(f"{report.leaks} leaks between splits (--fail-on-leak); see the report")
    return class_names, splits, report


def train_recall_first(config, splits, class_names, distribution=None):
    """MobileNetV2 (or ``config.backbone``) with a class-weighted loss whose weights follow
    validation recall; returns (best model, checkpoint folder, training seconds)."""
    announce(f"class weights (training split, balanced ** {config.class_weight_power})")
    weights = class_weights(config, splits, class_names)
    say(", ".join(f"{n} {w:.2f}" for n, w in zip(class_names, weights, strict=True)))

    architecture = (
        f"MobileNetV2 alpha {config.alpha}" if config.backbone == "mobilenetv2" else config.backbone
    )
    announce(f"{architecture}, {config.data.image_size} px grey, recall first")
    keras.utils.set_random_seed(config.seed)
    pretrained = bool(config.backbone_weights)
    with strategy_scope(distribution):
        model = ImageClassifier(
            config.backbone,
            num_classes=len(class_names),
            image_shape=(config.data.image_size, config.data.image_size, 1),
            backbone_weights=config.backbone_weights,
            backbone_options=(
                {"alpha": config.alpha, "input_scale": config.input_scale}
                if config.backbone == "mobilenetv2"
                else None
            ),
            pooling=config.pooling,
            # from scratch the default momentum 0.999 lags far behind the weights
            batch_norm_momentum=None if pretrained else 0.9,
        )
        if pretrained:
            apply_freeze_strategy(model, "full")  # BatchNorm frozen on pretrained statistics
    checkpoints = os.path.join(config.workdir, "checkpoints")
    started = time.perf_counter()
    best = fit_recall_first(
        config, model, splits, class_names, config.train, checkpoints, distribution
    )
    train_seconds = time.perf_counter() - started
    curves = plot_training_curves(
        os.path.join(checkpoints, "history.csv"),
        os.path.join(config.workdir, "training_curves.png"),
        keys=["loss", "accuracy"],
    )
    say("train vs validation curves:", curves)
    return best, checkpoints, train_seconds


def class_weights(config, splits, class_names) -> np.ndarray:
    """Tempered balanced class weights of the training split."""
    labels = splits["train"][1]
    return balanced_class_weights(labels, len(class_names), config.class_weight_power)


def fit_recall_first(
    config,
    model,
    splits,
    class_names,
    train_config,
    checkpoints,
    distribution=None,
    warmup_epochs=None,
):
    """Compile ``model`` with the class-weighted loss and fit it with per-class recall and
    recall weighting (best checkpoint on validation macro recall); returns the best model."""
    weights = class_weights(config, splits, class_names)
    with strategy_scope(distribution):
        loss = ClassWeightedCrossentropy(weights)
        model.compile(
            optimizer=keras.optimizers.Adam(train_config.learning_rate),
            loss=loss,
            metrics=["accuracy"],
        )
    train_images, train_labels = splits["train"]
    batch = train_config.batch_size
    if train_config.steps_per_epoch is None:  # the training data repeats: one pass an epoch
        passes = math.ceil(len(train_labels) / batch)
        train_config = dataclasses.replace(train_config, steps_per_epoch=passes)
    validation = batches(*splits["validation"], batch, training=False)
    fit_model(
        model,
        batches(train_images, train_labels, batch, training=True, seed=config.seed),
        validation,
        train_config,
        checkpoints,
        metric_callbacks=[
            PerClassRecall(validation, class_names),
            RecallWeightedTraining(
                loss,
                class_names,
                config.recall_strength,
                config.min_factor,
                config.max_factor,
                warmup_epochs=(
                    config.recall_warmup_epochs if warmup_epochs is None else warmup_epochs
                ),
            ),
        ],
    )
    return keras.saving.load_model(os.path.join(checkpoints, "best.keras"), compile=False)


def prune_and_fine_tune(config, model, splits, class_names, checkpoints, distribution=None):
    """``config.prune.rounds`` rounds of channel pruning (each removing its share of
    ``config.prune.target`` of the trained model's MACs) and fine-tuning; returns (pruned
    best model, its checkpoint folder, the rounds' reports as dicts, fine-tuning seconds)."""
    from tfdefect.compression import ChannelPruner

    settings = config.prune
    pruner = ChannelPruner(settings.criterion, settings.channel_multiple)
    fine_tune = dataclasses.replace(
        config.train,
        epochs=settings.epochs,
        learning_rate=config.train.learning_rate * settings.learning_rate_factor,
    )
    reports, reference, started = [], None, time.perf_counter()
    for round_index in range(1, settings.rounds + 1):
        target = settings.target * round_index / settings.rounds
        announce(
            f"pruning round {round_index}/{settings.rounds}: {target:.0%} of the MACs gone "
            f"({settings.criterion}), then {settings.epochs} epochs of fine-tuning"
        )
        keras.utils.set_random_seed(config.seed + round_index)
        with strategy_scope(distribution):
            model, report = pruner.prune(model, target, reference_macs=reference)
        reference = report.reference_macs
        say(
            f"MACs {report.macs_before:,} -> {report.macs_after:,} "
            f"({report.macs_removed:.1%} of {report.reference_macs:,} gone), parameters "
            f"{report.params_before:,} -> {report.params_after:,}, channels "
            f"{report.channels_before} -> {report.channels_after} in {report.groups} groups"
        )
        checkpoints = os.path.join(config.workdir, f"prune_round_{round_index}")
        model = fit_recall_first(
            config,
            model,
            splits,
            class_names,
            fine_tune,
            checkpoints,
            distribution,
            warmup_epochs=0,
        )
        reports.append({**dataclasses.asdict(report), "macs_removed": report.macs_removed})
    return model, checkpoints, reports, time.perf_counter() - started


def evaluate_float(config, model, test_split, class_names):
    """Test figures of the Keras model, its confusion matrix plot and label_map.json;
    returns (figures, (N, K) probabilities)."""
    from sklearn.metrics import confusion_matrix

    announce("evaluation (test split)")
    test_images, test_labels = test_split
    probabilities = np.asarray(model.predict(test_images.astype("float32"), verbose="auto"))
    figures = classification_figures(test_labels, probabilities, class_names)
    say(format_figures("float (Keras)", figures))
    matrix = confusion_matrix(
        test_labels, probabilities.argmax(-1), labels=list(range(len(class_names)))
    )
    path = os.path.join(config.workdir, "confusion_matrix.png")
    say(plot_confusion_matrix(matrix, class_names, f"{config.backbone}, test", path))
    label_map = write_label_map(class_names, os.path.join(config.workdir, "label_map.json"))
    say("label map:", label_map)
    return figures, probabilities


def export_float_and_int8(config, model, splits, class_names, keras_path, pruning=None):
    """Publish SavedModel + float ONNX, then a full-integer TFLite model and a statically
    quantized ONNX model calibrated on training images; returns (published, {name: path}).
    ``pruning``: the pruning rounds' reports, recorded in every export's metadata."""
    from tfdefect.export import describe_model
    from tfdefect.export.metadata import write_tflite_metadata
    from tfdefect.export.onnx_export import attach_onnx_metadata
    from tfdefect.quantization import convert_tflite_int8, quantize_onnx_int8

    announce("export: SavedModel, ONNX, INT8")
    metadata = describe_model(model, class_names, extra={"pruning": pruning} if pruning else None)
    save_keras_with_metadata(model, keras_path, metadata)
    published = publish_for_serving(model, config, metadata, sample_images=splits["test"][0][:4])
    int8_name = f"{config.export.name}_v{published.version}_int8"
    calibration = splits["train"][0][: config.calibration_images]
    tflite_path = convert_tflite_int8(
        model, calibration, os.path.join(config.export.dir, "tflite", f"{int8_name}.tflite")
    )
    write_tflite_metadata(tflite_path, metadata.replace(name=config.export.name))
    onnx_int8 = quantize_onnx_int8(
        published.onnx_path,
        calibration,
        os.path.join(config.export.dir, "onnx", f"{int8_name}.onnx"),
    )
    attach_onnx_metadata(onnx_int8, metadata.replace(name=config.export.name))
    say(f"INT8: {tflite_path}, {onnx_int8}")
    paths = {
        "keras": keras_path,
        "onnx_float": published.onnx_path,
        "tflite_int8": tflite_path,
        "onnx_int8": onnx_int8,
    }
    return published, paths


def runtime_figures(test_split, class_names, paths, float_probabilities) -> dict:
    """Test figures of the float ONNX, INT8 TFLite and INT8 ONNX files, with the INT8
    models' agreement with the float Keras predictions."""
    import onnxruntime as ort

    from tfdefect.quantization import TfliteClassifier

    test_images, test_labels = test_split
    probabilities = {}
    for name in ("onnx_float", "onnx_int8"):
        session = ort.InferenceSession(paths[name], providers=["CPUExecutionProvider"])
        probabilities[name] = session.run(None, {"images": test_images})[0]
    probabilities["tflite_int8"] = TfliteClassifier(paths["tflite_int8"]).predict(test_images)
    results = {}
    for name in ("onnx_float", "tflite_int8", "onnx_int8"):
        results[name] = classification_figures(test_labels, probabilities[name], class_names)
        if name.endswith("int8"):
            agreement = probabilities[name].argmax(-1) == float_probabilities.argmax(-1)
            results[name]["agreement_with_float"] = float(np.mean(agreement))
    return results


def run(config, distribution=None) -> dict:
    """The whole recipe; returns its summary (also in results.json and metrics.json)."""
    start_run(config)
    class_names, splits, report = audited_splits(config)
    best, checkpoints, train_seconds = train_recall_first(config, splits, class_names, distribution)
    pruning, prune_seconds = None, 0.0
    if config.prune.target > 0:
        best, checkpoints, pruning, prune_seconds = prune_and_fine_tune(
            config, best, splits, class_names, checkpoints, distribution
        )
    float_figures, float_probabilities = evaluate_float(config, best, splits["test"], class_names)
    keras_path = os.path.join(checkpoints, "best.keras")
    published, paths = export_float_and_int8(config, best, splits, class_names, keras_path, pruning)
    results = {
        "float": float_figures,
        **runtime_figures(splits["test"], class_names, paths, float_probabilities),
    }
    sizes = {name: os.path.getsize(path) for name, path in paths.items()}

    announce("float vs INT8 (test split)")
    table = runtime_comparison_table(results, sizes)
    say(table)
    with open(os.path.join(config.workdir, "results.md"), "w") as handle:
        handle.write(table + "\n")
    summary = {
        "results": results,
        "sizes_bytes": sizes,
        "train_seconds": train_seconds,
        "pruning": pruning,
        "prune_seconds": prune_seconds,
        "leaks": report.leaks,
        "onnx_max_difference": published.onnx_max_diff,
        "savedmodel": published.path,
    }
    with open(os.path.join(config.workdir, "results.json"), "w") as handle:
        json.dump(summary, handle, indent=2)
    exports = [published.path, paths["tflite_int8"], paths["onnx_int8"]]
    say("metrics:", write_run_report(config.workdir, "wafer_mobilenet", config, summary, exports))
    return summary
