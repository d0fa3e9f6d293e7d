"""The work of recipes.casting_zoo: data, optional pretraining, per-model training,
evaluation, comparison table, plots and exports."""

from __future__ import annotations

import csv
import dataclasses
import gc
import os
import time

import keras
import tensorflow as tf

from tfdefect.datasets.smt_pairs.data_config import SmtPairsDataConfig
from tfdefect.evaluation import write_run_report
from tfdefect.evaluation.classification import evaluate_binary_classifier
from tfdefect.models.classifiers import ZOO, ImageClassifier, apply_freeze_strategy
from tfdefect.recipes.casting_zoo import export_name
from tfdefect.recipes.common import announce, say, start_run, strategy_scope
from tfdefect.training.fit import fit_model
from tfdefect.viz.comparison_plots import plot_metric_bars
from tfdefect.viz.confusion_plots import plot_confusion_matrix

METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc")


def casting_splits(config) -> dict:
    """{"train", "validation", "test"} tf.data datasets of (uint8 image, label)."""
    builder = config.data.prepare()
    splits = builder.info.splits
    say(", ".join(f"{name} {info.num_examples}" for name, info in splits.items()))
    if "validation" in splits:
        names = {"train": "train", "validation": "validation", "test": "test"}
    else:  # the public folders have train and test only
        names = {"train": "train[:90%]", "validation": "train[90%:]", "test": "test"}
    return {
        key: builder.as_dataset(split=split, as_supervised=True) for key, split in names.items()
    }


def batches(dataset, config, training: bool):
    """Resize in graph; training: shuffle, repeat and right-angle rotations / flips (an
    impeller has no up or left, so these never change whether it is defective)."""
    size = config.image_size

    def prepare(image, label):
        image = tf.image.resize(tf.cast(image, tf.float32), (size, size), antialias=True)
        return image, label

    def augment(image, label):
        image = tf.image.rot90(image, tf.random.uniform((), 0, 4, tf.int32))
        return tf.image.random_flip_left_right(image), label

    dataset = dataset.map(prepare, num_parallel_calls=tf.data.AUTOTUNE).cache()
    if training:
        dataset = dataset.shuffle(1000, seed=config.seed).repeat()
        dataset = dataset.map(augment, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.batch(config.train.batch_size).prefetch(tf.data.AUTOTUNE)


def pretrain_on_smt(architecture: str, config) -> str:
    """Train ``architecture`` to classify smt_pairs test crops (9 defect classes) and save
    its backbone; returns the weights path."""
    from tfdefect.datasets.smt_pairs.synthetic import DEFECT_CLASSES

    path = os.path.join(config.workdir, "pretrained", f"{architecture}.weights.h5")
    if os.path.exists(path):
        say(f"pretrained backbone: {path} (reused)")
        return path
    builder = SmtPairsDataConfig(
        data_dir=config.data.data_dir,
        seed=config.seed,
        boards_train=20,
        boards_validation=4,
        boards_test=4,
    ).prepare()

    def crops(split):
        data = builder.as_dataset(split=split).map(lambda e: (e["test"], e["defect_class"]))
        return data

    train_config = dataclasses.replace(
        config.train, epochs=config.pretrain_epochs, early_stopping_patience=100
    )
    pretrain_config = dataclasses.replace(config, train=train_config)
    model = ImageClassifier(
        architecture,
        num_classes=len(DEFECT_CLASSES),
        image_shape=(config.image_size, config.image_size, 3),
        batch_norm_momentum=0.9,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(config.train.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    announce(f"pretrain {architecture} on smt_pairs ({len(DEFECT_CLASSES)} classes)")
    fit_model(
        model,
        batches(crops("train"), pretrain_config, training=True),
        batches(crops("validation"), pretrain_config, training=False),
        train_config,
        os.path.join(config.workdir, "pretrained", architecture),
    )
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return model.save_backbone_weights(path)


def start_weights(architecture: str, config):
    if not ZOO[architecture].pretrained:
        return None
    if config.pretrain == "smt_pairs":
        return pretrain_on_smt(architecture, config)
    if config.backbone_weights and config.backbone_weights != "imagenet":
        # a Keras file, or a torch checkpoint for the convertible ones (alexnet, resnet18)
        for suffix in (".weights.h5", ".safetensors"):
            path = os.path.join(config.backbone_weights, f"{architecture}{suffix}")
            if os.path.exists(path):
                return path
        return os.path.join(config.backbone_weights, f"{architecture}.weights.h5")
    return config.backbone_weights


def train_one(architecture: str, splits: dict, config, distribution=None) -> dict:
    weights = start_weights(architecture, config)
    from_scratch = weights is None
    strategy = "full" if not ZOO[architecture].pretrained else config.freeze
    announce(f"{architecture}: weights {weights or 'random'}, freeze {strategy}")
    keras.utils.set_random_seed(config.seed)
    with strategy_scope(distribution):
        model = ImageClassifier(
            architecture,
            image_shape=(config.image_size, config.image_size, 3),
            backbone_weights=weights,
            batch_norm_momentum=0.9 if from_scratch else None,  # 0.99-0.999 lag in short runs
        )
        freeze = apply_freeze_strategy(model, strategy, freeze_batch_norm=not from_scratch)
        learning_rate = config.train.learning_rate
        if strategy == "full" and not from_scratch:
            learning_rate *= config.fine_tune_factor
        if ZOO[architecture].family == "transformer":
            learning_rate *= config.transformer_factor
        say(
            f"{model.count_params():,} parameters; {freeze['trainable_blocks']}/{freeze['blocks']} "
            f"blocks trainable; learning rate {learning_rate:g}"
        )
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
    workdir = os.path.join(config.workdir, architecture)
    started = time.perf_counter()
    history = fit_model(
        model,
        batches(splits["train"], config, training=True),
        batches(splits["validation"], config, training=False),
        config.train,
        workdir,
    )
    train_seconds = time.perf_counter() - started
    best = keras.saving.load_model(os.path.join(workdir, "best.keras"))
    metrics, matrix = evaluate_binary_classifier(
        best, batches(splits["test"], config, training=False)
    )
    say(" ".join(f"{k} {v:.4f}" for k, v in metrics.items() if v is not None))
    plot_confusion_matrix(
        matrix,
        config.data.class_names,
        f"{architecture} ({strategy})",
        os.path.join(config.workdir, "confusion", f"{architecture}.png"),
    )
    row = {
        "model": architecture,
        "family": ZOO[architecture].family,
        "start": "scratch" if from_scratch else os.path.basename(str(weights)),
        "freeze": strategy,
        "parameters": model.count_params(),
        "trainable_blocks": f"{freeze['trainable_blocks']}/{freeze['blocks']}",
        "epochs": len(history.history["loss"]),
        "train_s": round(train_seconds, 1),
        **{k: None if v is None else round(float(v), 4) for k, v in metrics.items()},
    }
    if config.export.enabled:
        from tfdefect.export import attach_keras_metadata, describe_model

        best_path = os.path.join(workdir, "best.keras")
        attach_keras_metadata(best_path, describe_model(best, config.data.class_names))
        published = export_one(best_path, architecture, config)
        row["onnx_max_diff"] = published["onnx_max_diff"]
        row["savedmodel"] = published["path"]
    return row


def export_one(model_path: str, architecture: str, config) -> dict:
    """SavedModel + parity-checked ONNX (unless ``export.onnx`` is false) of a saved model
    (in a child process: eight architectures' graphs and sessions would otherwise pile up
    in this one)."""
    from tfdefect.export.publish_keras_file import publish_keras_file_in_child

    name = export_name(config, architecture)
    announce(f"export {name}")
    return publish_keras_file_in_child(
        model_path,
        config.export.dir,
        name,
        overwrite=config.export.overwrite,
        onnx=config.export.onnx,
        serving_root=config.export.serving_root,
    )


def write_table(rows: list[dict], path_md: str, path_csv: str) -> None:
    columns = list(rows[0])
    for row in rows:
        columns += [c for c in row if c not in columns]
    with open(path_csv, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)

    def cell(column, value):
        if value is None:
            return "-"
        if column == "onnx_max_diff":
            return f"{value:.1e}"
        return f"{value:.4f}" if isinstance(value, float) and value <= 1 else str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(c, row.get(c)) for c in columns) + " |" for row in rows]
    with open(path_md, "w") as handle:
        handle.write("\n".join(lines) + "\n")


def run(config, distribution=None) -> list[dict]:
    start_run(config)
    announce("data: casting")
    splits = casting_splits(config)
    rows, exports = [], []
    for architecture in config.models:
        row = train_one(architecture, splits, config, distribution)
        if "savedmodel" in row:
            exports.append(row.pop("savedmodel"))
        rows.append(row)
        keras.backend.clear_session()  # free the finished model before the next one
        gc.collect()
        write_table(  # after every model, so an interrupted run keeps its table
            rows,
            os.path.join(config.workdir, "comparison.md"),
            os.path.join(config.workdir, "comparison.csv"),
        )
    announce("comparison (test split)")
    with open(os.path.join(config.workdir, "comparison.md")) as handle:
        say(handle.read())
    say(
        plot_metric_bars(
            rows,
            list(METRICS),
            os.path.join(config.workdir, "metrics.png"),
            f"casting test split, freeze {config.freeze}",
        )
    )
    report = write_run_report(config.workdir, "casting_zoo", config, {"models": rows}, exports)
    say(f"metrics: {report}")
    return rows
