"""The modes of recipes.mpb3_smt: train, val, infer."""

from __future__ import annotations

import csv
import glob
import hashlib
import json
import os

import keras
import numpy as np

from tfdefect.callbacks.sampled_distribution_logger import SampledDistributionLogger
from tfdefect.config import ConfigError
from tfdefect.data.group_counter import GroupCounter
from tfdefect.data.mpwr import format_weights, mpwr_weights
from tfdefect.data.pair_pipeline import pair_pipeline
from tfdefect.evaluation import write_run_report
from tfdefect.evaluation.pairs import inspection_metrics
from tfdefect.models.mpb3 import MPB3, CachedReferenceMPB3, compile_mpb3
from tfdefect.progress import progress_bar_over
from tfdefect.recipes.common import (
    announce,
    publish_for_serving,
    save_keras_with_metadata,
    start_run,
    strategy_scope,
)
from tfdefect.training.fit import fit_model
from tfdefect.viz.confusion_plots import plot_confusion_matrix
from tfdefect.viz.pair_plots import plot_pairs
from tfdefect.viz.segmentation_plots import plot_training_curves


def _positions_and_counts(builder):
    import tensorflow_datasets as tfds

    counts, positions = {}, set()
    for example in tfds.as_numpy(builder.as_dataset(split="train")):
        position = example["position"].decode()
        positions.add(position)
        key = (position, int(example["defect_class"]))
        counts[key] = counts.get(key, 0) + 1
    positions = sorted(positions)
    return positions, {(positions.index(p), c): n for (p, c), n in counts.items()}


def train(config, distribution=None) -> dict:
    start_run(config)
    announce("data: smt_pairs")
    builder = config.data.prepare()
    class_names = list(builder.info.features["defect_class"].names)
    print(", ".join(f"{s} {i.num_examples}" for s, i in builder.info.splits.items()))
    positions, counts = _positions_and_counts(builder)
    weights = mpwr_weights(counts, config.position_power, config.class_power)
    announce("MPWR sampling probabilities (train split)")
    print(format_weights(weights, positions, class_names))
    with open(os.path.join(config.workdir, "positions.json"), "w") as handle:
        json.dump(positions, handle)
    counter = GroupCounter(len(positions), len(class_names))
    train_data = pair_pipeline(
        builder.as_dataset(split="train"),
        positions,
        config.train.batch_size,
        weights=weights,
        seed=config.seed,
        counter=counter,
    )
    expected = np.zeros((len(positions), len(class_names)))
    for (p, c), w in weights.items():
        expected[p, c] = w
    logger = SampledDistributionLogger(counter, expected, positions, class_names, config.workdir)
    validation = pair_pipeline(
        builder.as_dataset(split="validation"), positions, config.train.batch_size
    )
    announce(f"MPB3 {config.model}, region {config.region}")
    keras.utils.set_random_seed(config.seed)
    with strategy_scope(distribution):
        model = MPB3(
            num_classes=len(class_names),
            image_shape=(config.data.image_size, config.data.image_size, 3),
            backbone_weights=config.backbone_weights
            if config.model.endswith("pretrained")
            else None,
        )
        compile_mpb3(model, config.train.learning_rate, config.ng_weight, config.class_weight)
    history = fit_model(
        model, train_data, validation, config.train, config.ckp, extra_callbacks=[logger]
    )
    curves = plot_training_curves(
        os.path.join(config.ckp, "history.csv"),
        os.path.join(config.workdir, "training_curves.png"),
        keys=["loss"],
    )
    print("train vs validation curves:", curves)
    from tfdefect.export import describe_model

    best = keras.saving.load_model(os.path.join(config.ckp, "best.keras"))
    metadata = describe_model(best, class_names)
    save_keras_with_metadata(best, os.path.join(config.ckp, "best.keras"), metadata)
    published = publish_for_serving(best, config, metadata)
    cached = CachedReferenceMPB3.from_mpb3(best, gold_references(builder, positions))
    cached_published = publish_for_serving(
        cached,
        config,
        describe_model(cached, class_names, extra={"position_names": list(positions)}),
        name=f"{config.export.name}_cached",
    )
    print(
        f"pair model: {published.path}\ncached-reference model (inputs test, position_id in "
        f"positions.json order): {cached_published.path}"
    )
    results = {"mode": "train", "history": history.history, "positions": positions}
    exports = [published.path, cached_published.path]
    print("metrics:", write_run_report(config.workdir, "mpb3_smt", config, results, exports))
    return {"history": history.history, "positions": positions}


def gold_references(builder, positions) -> np.ndarray:
    """(P, H, W, 3) the first training reference of each position, in ``positions`` order
    (a line's gold board: one reference per position)."""
    import tensorflow_datasets as tfds

    found = {}
    for example in tfds.as_numpy(builder.as_dataset(split="train")):
        found.setdefault(example["position"].decode(), example["reference"])
        if len(found) == len(positions):
            break
    return np.stack([found[p] for p in positions])


def _predict(model, dataset):
    parts = {k: [] for k in ("reference", "test", "ng", "classes", "p_ng", "p_class")}
    for inputs, targets in progress_bar_over(dataset, "evaluate"):
        outputs = model.predict_on_batch(inputs)
        parts["reference"].append(inputs["reference"].numpy())
        parts["test"].append(inputs["test"].numpy())
        parts["ng"].append(targets["ng"].numpy()[:, 0] > 0.5)
        parts["classes"].append(targets["defect_class"].numpy())
        parts["p_ng"].append(np.asarray(outputs["ng"])[:, 0])
        parts["p_class"].append(np.asarray(outputs["defect_class"]))
    return {k: np.concatenate(v) for k, v in parts.items()}


def validate(config, split: str = "validation") -> dict:
    import tensorflow_datasets as tfds

    builder = config.data.prepare()
    class_names = list(builder.info.features["defect_class"].names)
    with open(os.path.join(config.workdir, "positions.json")) as handle:
        positions = json.load(handle)
    model = keras.saving.load_model(os.path.join(config.ckp, "best.keras"))
    dataset = builder.as_dataset(split=split)
    position_of = [e["position"].decode() for e in tfds.as_numpy(dataset)]
    scored = _predict(model, pair_pipeline(dataset, positions, config.train.batch_size))
    predicted_ng = scored["p_ng"] >= config.ng_threshold
    predicted_class = scored["p_class"].argmax(-1)
    report = {
        "overall": inspection_metrics(
            scored["ng"], predicted_ng, scored["classes"], predicted_class, len(class_names)
        ),
        "per_position": {},
        "classes": list(class_names),
        "ng_threshold": config.ng_threshold,
        "split": split,
    }
    position_of = np.array(position_of)
    for position in sorted(set(position_of)):
        chosen = position_of == position
        report["per_position"][position] = inspection_metrics(
            scored["ng"][chosen],
            predicted_ng[chosen],
            scored["classes"][chosen],
            predicted_class[chosen],
            len(class_names),
        )
    announce(f"{split}: omission rate, false-alarm rate, weighted F-score")
    rows = [("overall", report["overall"])] + list(report["per_position"].items())
    for name, m in rows:
        omission = "-" if m["omission_rate"] is None else f"{m['omission_rate']:.4f}"
        alarm = "-" if m["false_alarm_rate"] is None else f"{m['false_alarm_rate']:.4f}"
        print(
            f"{name:<12} pairs {m['pairs']:5d}  ng {m['ng_pairs']:4d}  omission {omission}  "
            f"false alarm {alarm}  weighted F {m['weighted_f_score']:.4f}"
        )
    with open(os.path.join(config.workdir, f"{split}_report.json"), "w") as handle:
        json.dump(report, handle, indent=2)
    results = {"mode": "val", "split": split, **report}
    print("metrics:", write_run_report(config.workdir, "mpb3_smt", config, results))
    print(
        plot_confusion_matrix(
            report["overall"]["confusion_matrix"],
            class_names,
            f"MPB3 defect class, {split}",
            os.path.join(config.workdir, f"{split}_confusion_matrix.png"),
        )
    )
    order = np.argsort(~scored["ng"], kind="stable")[:16]  # defects first
    titles = [
        f"truth {class_names[scored['classes'][i]]} | pred {class_names[predicted_class[i]]}"
        f" (ng {scored['p_ng'][i]:.2f})"
        for i in order
    ]
    print(
        plot_pairs(
            scored["reference"][order],
            scored["test"][order],
            titles,
            os.path.join(config.workdir, f"{split}_pairs.png"),
        )
    )
    return report


def run(
    config,
    distribution=None,
    mode: str = "train",
    split: str = "validation",
    infer_dir: str | None = None,
    runtime: str = "tf",
    output: str | None = None,
    cached_reference: bool = False,
):
    """The recipe's ``--mode``: train (returns its summary), val (the report of ``split``)
    or infer (predictions of the pairs in ``infer_dir``, written under ``output``)."""
    if mode == "train":
        return train(config, distribution)
    if mode == "val":
        return validate(config, split)
    if not infer_dir:
        raise ConfigError("--mode infer needs --infer-dir")
    return infer(config, infer_dir, runtime, output or config.workdir, cached_reference)


def infer(
    config, folder: str, runtime: str, output_dir: str, cached_reference: bool = False
) -> list[dict]:
    """Classify ``<name>_reference.png`` / ``<name>_test.png`` pairs in ``folder``. With
    ``cached_reference`` (runtime tf) each distinct reference image is embedded once."""
    if cached_reference and runtime != "tf":
        raise SystemExit(
            "--cached-reference runs with --runtime tf; the exported *_cached models take "
            "position ids (see positions.json) instead of reference images"
        )
    import cv2

    references = sorted(glob.glob(os.path.join(folder, "*_reference.png")))
    if not references:
        raise SystemExit(f"{folder}: no *_reference.png files")
    size = config.data.image_size

    def read(path):
        image = cv2.imread(path, cv2.IMREAD_COLOR)
        if image is None:
            raise SystemExit(f"{path}: not a readable image")
        image = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)

    pairs = []
    for reference in references:
        test = reference[: -len("_reference.png")] + "_test.png"
        if not os.path.isfile(test):
            raise SystemExit(f"{reference}: its test sample {test} is missing")
        pairs.append((reference, test))
    inputs = {
        "reference": np.stack([read(r) for r, _ in pairs]),
        "test": np.stack([read(t) for _, t in pairs]),
    }
    outputs = _run_cached(config, inputs) if cached_reference else _run(config, runtime, inputs)
    from tfdefect.export.metadata import read_keras_metadata

    saved = read_keras_metadata(os.path.join(config.ckp, "best.keras"))
    class_names = saved.class_names if saved else list(config.data.class_names)
    rows = []
    for i, (reference, _) in enumerate(pairs):
        p_ng = float(np.asarray(outputs["ng"])[i].ravel()[0])
        rows.append(
            {
                "pair": os.path.basename(reference)[: -len("_reference.png")],
                "ng_probability": round(p_ng, 5),
                "ng": p_ng >= config.ng_threshold,
                "defect_class": class_names[int(np.argmax(outputs["defect_class"][i]))],
            }
        )
    os.makedirs(output_dir, exist_ok=True)
    path = os.path.join(output_dir, "predictions.csv")
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} pairs ({runtime}) -> {path}")
    return rows


def _run_cached(config, inputs):
    digests = [hashlib.sha1(image.tobytes()).hexdigest() for image in inputs["reference"]]
    distinct = list(dict.fromkeys(digests))
    references = np.stack([inputs["reference"][digests.index(d)] for d in distinct])
    model = keras.saving.load_model(os.path.join(config.ckp, "best.keras"))
    cached = CachedReferenceMPB3.from_mpb3(model, references)
    print(f"{len(distinct)} distinct references embedded once for {len(digests)} pairs")
    position_id = np.array([distinct.index(d) for d in digests], dtype="int32")
    outputs = cached.predict_on_batch({"test": inputs["test"], "position_id": position_id})
    return {k: np.asarray(v) for k, v in outputs.items()}


def _run(config, runtime, inputs):
    if runtime == "tf":
        model = keras.saving.load_model(os.path.join(config.ckp, "best.keras"))
        return {k: np.asarray(v) for k, v in model.predict_on_batch(inputs).items()}
    from tfdefect.export.publish import version_numbers

    base = os.path.join(config.export.dir, config.export.name)
    versions = version_numbers(base)
    if not versions:
        raise SystemExit(f"{base}: no published version; run --mode train first")
    path = os.path.join(base, str(versions[-1]))
    runtime_path = path if runtime == "savedmodel" else os.path.join(path, "model.onnx")
    from tfdefect.inference.runtimes import open_runtime

    return open_runtime(runtime_path)(inputs)
