"""The work of recipes.wafer_mobilenet: audit, train, evaluate, export, quantize."""

from __future__ import annotations

import json
import os
import time

import keras
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from tfdefect.callbacks import PerClassRecall, RecallWeightedTraining, balanced_class_weights
from tfdefect.data.label_map import write_label_map
from tfdefect.data.leakage_audit import audit_tfds_builder
from tfdefect.data.safe_augmentation import safe_augment
from tfdefect.evaluation import write_run_report
from tfdefect.losses import ClassWeightedCrossentropy
from tfdefect.models.classifiers import ImageClassifier, apply_freeze_strategy
from tfdefect.recipes.common import (
    announce,
    publish_for_serving,
    save_keras_with_metadata,
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
        dataset = dataset.map(
            lambda image, label: (safe_augment(image), label), num_parallel_calls=tf.data.AUTOTUNE
        )
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def classification_figures(labels, probabilities, class_names) -> dict:
    """Accuracy, per-class precision / recall / F1, macro recall (present classes)."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    predicted = probabilities.argmax(-1)
    indices = list(range(len(class_names)))
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predicted, labels=indices, zero_division=0
    )
    present = support > 0
    return {
        "accuracy": float(accuracy_score(labels, predicted)),
        "macro_recall": float(recall[present].mean()),
        "per_class": {
            name: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, name in enumerate(class_names)
        },
    }


def run(config, distribution=None) -> dict:
    start_run(config)
    announce("data: wafer_sem (split by site / near-duplicate group)")
    builder = config.data.prepare()
    class_names = list(builder.info.features["label"].names)
    splits = {s: load_split(builder, s) for s in ("train", "validation", "test")}
    for split, (_, labels) in splits.items():
        counts = np.bincount(labels, minlength=len(class_names))
        print(
            f"{split:<10} {len(labels):5d}: "
            + ", ".join(f"{n} {c}" for n, c in zip(class_names, counts, strict=True))
        )

    announce("leakage audit")
    report = audit_tfds_builder(builder, near_threshold=config.data.near_threshold)
    print(report.summary())
    print(report.write_json(os.path.join(config.workdir, "leakage_report.json")))
    if report.leaks and config.fail_on_leak:
        raise SystemExit(f"{report.leaks} leaks between splits (--fail-on-leak); see the report")

    announce(f"class weights (training split, balanced ** {config.class_weight_power})")
    train_images, train_labels = splits["train"]
    weights = balanced_class_weights(train_labels, len(class_names), config.class_weight_power)
    print(", ".join(f"{n} {w:.2f}" for n, w in zip(class_names, weights, strict=True)))

    announce(f"MobileNetV2 alpha {config.alpha}, {config.data.image_size} px grey, recall first")
    keras.utils.set_random_seed(config.seed)
    with strategy_scope(distribution):
        model = ImageClassifier(
            "mobilenetv2",
            num_classes=len(class_names),
            image_shape=(config.data.image_size, config.data.image_size, 1),
            backbone_weights=config.backbone_weights,
            backbone_options={"alpha": config.alpha},
            batch_norm_momentum=None
            if config.backbone_weights
            else 0.9,  # from scratch: 0.999 lags
        )
        if config.backbone_weights:
            apply_freeze_strategy(model, "full")  # BatchNorm frozen on pretrained statistics
        loss = ClassWeightedCrossentropy(weights)
        model.compile(
            optimizer=keras.optimizers.Adam(config.train.learning_rate),
            loss=loss,
            metrics=["accuracy"],
        )
    batch = config.train.batch_size
    validation = batches(*splits["validation"], batch, training=False)
    checkpoints = os.path.join(config.workdir, "checkpoints")
    started = time.perf_counter()
    fit_model(
        model,
        batches(train_images, train_labels, batch, training=True, seed=config.seed),
        validation,
        config.train,
        checkpoints,
        metric_callbacks=[
            PerClassRecall(validation, class_names),
            RecallWeightedTraining(
                loss, class_names, config.recall_strength, config.min_factor, config.max_factor
            ),
        ],
    )
    train_seconds = time.perf_counter() - started
    best = keras.saving.load_model(os.path.join(checkpoints, "best.keras"), compile=False)
    curves = plot_training_curves(
        os.path.join(checkpoints, "history.csv"),
        os.path.join(config.workdir, "training_curves.png"),
        keys=["loss", "accuracy"],
    )
    print("train vs validation curves:", curves)

    announce("evaluation (test split)")
    test_images, test_labels = splits["test"]
    float_probabilities = np.asarray(best.predict(test_images.astype("float32"), verbose=0))
    results = {"float": classification_figures(test_labels, float_probabilities, class_names)}
    print(format_figures("float (Keras)", results["float"]))
    from sklearn.metrics import confusion_matrix

    matrix = confusion_matrix(
        test_labels, float_probabilities.argmax(-1), labels=list(range(len(class_names)))
    )
    print(
        plot_confusion_matrix(
            matrix,
            class_names,
            "MobileNetV2, test",
            os.path.join(config.workdir, "confusion_matrix.png"),
        )
    )
    label_map = write_label_map(class_names, os.path.join(config.workdir, "label_map.json"))
    print("label map:", label_map)

    announce("export: SavedModel, ONNX, INT8")
    from tfdefect.export import describe_model
    from tfdefect.export.metadata import write_tflite_metadata
    from tfdefect.export.onnx_export import attach_onnx_metadata
    from tfdefect.quantization import TfliteClassifier, convert_tflite_int8, quantize_onnx_int8

    metadata = describe_model(best, class_names)
    save_keras_with_metadata(best, os.path.join(checkpoints, "best.keras"), metadata)
    published = publish_for_serving(best, config, metadata, sample_images=test_images[:4])
    float_onnx = published.onnx_path
    int8_name = f"{config.export_name}_v{published.version}_int8"
    calibration = train_images[: config.calibration_images]
    tflite_path = convert_tflite_int8(
        best, calibration, os.path.join(config.export_dir, "tflite", f"{int8_name}.tflite")
    )
    write_tflite_metadata(tflite_path, metadata.replace(name=config.export_name))
    onnx_int8 = quantize_onnx_int8(
        float_onnx,
        calibration,
        os.path.join(config.export_dir, "onnx", f"{int8_name}.onnx"),
    )
    attach_onnx_metadata(onnx_int8, metadata.replace(name=config.export_name))
    print(f"INT8: {tflite_path}, {onnx_int8}")
    import onnxruntime as ort

    session = ort.InferenceSession(float_onnx, providers=["CPUExecutionProvider"])
    results["onnx_float"] = classification_figures(
        test_labels, session.run(None, {"images": test_images})[0], class_names
    )
    tflite_probabilities = TfliteClassifier(tflite_path).predict(test_images)
    results["tflite_int8"] = classification_figures(test_labels, tflite_probabilities, class_names)
    session = ort.InferenceSession(onnx_int8, providers=["CPUExecutionProvider"])
    onnx_int8_probabilities = session.run(None, {"images": test_images})[0]
    results["onnx_int8"] = classification_figures(test_labels, onnx_int8_probabilities, class_names)
    sizes = {
        "keras": os.path.getsize(os.path.join(checkpoints, "best.keras")),
        "onnx_float": os.path.getsize(float_onnx),
        "tflite_int8": os.path.getsize(tflite_path),
        "onnx_int8": os.path.getsize(onnx_int8),
    }
    float_predictions = float_probabilities.argmax(-1)
    for name, probabilities in (
        ("tflite_int8", tflite_probabilities),
        ("onnx_int8", onnx_int8_probabilities),
    ):
        results[name]["agreement_with_float"] = float(
            np.mean(probabilities.argmax(-1) == float_predictions)
        )
    announce("float vs INT8 (test split)")
    lines = [
        "| model | size MB | accuracy | macro recall | accuracy drop | recall drop "
        "| agrees with float |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in ("onnx_float", "tflite_int8", "onnx_int8"):
        figures = results[name]
        lines.append(
            f"| {name} | {sizes[name] / 2**20:.2f} | {figures['accuracy']:.4f} | "
            f"{figures['macro_recall']:.4f} | "
            f"{100 * (results['float']['accuracy'] - figures['accuracy']):+.2f} pt | "
            f"{100 * (results['float']['macro_recall'] - figures['macro_recall']):+.2f} pt | "
            f"{figures.get('agreement_with_float', 1.0):.4f} |"
        )
    lines.append("")
    lines.append(
        "| class | "
        + " | ".join(f"recall {n}" for n in ("float", "tflite_int8", "onnx_int8"))
        + " |"
    )
    lines.append("|---|---|---|---|")
    for name in class_names:
        lines.append(
            f"| {name} | "
            + " | ".join(
                f"{results[k]['per_class'][name]['recall']:.3f}"
                for k in ("float", "tflite_int8", "onnx_int8")
            )
            + " |"
        )
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(config.workdir, "results.md"), "w") as handle:
        handle.write(table + "\n")
    summary = {
        "results": results,
        "sizes_bytes": sizes,
        "train_seconds": train_seconds,
        "leaks": report.leaks,
        "onnx_max_difference": published.onnx_max_diff,
        "savedmodel": published.path,
    }
    with open(os.path.join(config.workdir, "results.json"), "w") as handle:
        json.dump(summary, handle, indent=2)
    exports = [published.path, tflite_path, onnx_int8]
    print("metrics:", write_run_report(config.workdir, "wafer_mobilenet", config, summary, exports))
    return summary


def format_figures(title, figures) -> str:
    lines = [
        f"{title}: accuracy {figures['accuracy']:.4f}, macro recall {figures['macro_recall']:.4f}"
    ]
    for name, values in figures["per_class"].items():
        lines.append(
            f"  {name:<12} precision {values['precision']:.3f}  recall {values['recall']:.3f}  "
            f"F1 {values['f1']:.3f}  n {values['support']}"
        )
    return "\n".join(lines)
