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
    say,
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
    say(", ".join(f"{s} {i.num_examples}" for s, i in builder.info.splits.items()))
    positions, counts = _positions_and_counts(builder)
    weights = mpwr_weights(counts, config.position_power, config.class_power)
    announce("MPWR sampling probabilities (train split)")
    say(format_weights(weights, positions, class_names))
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
    say("train vs validation curves:", curves)
    from tfdefect.export import describe_model

    best = keras.saving.load_model(os.path.join(config.ckp, "best.keras"))
    thresholds = {"ng": config.ng_threshold}
    metadata = describe_model(best, class_names, thresholds=thresholds)
    save_keras_with_metadata(best, os.path.join(config.ckp, "best.keras"), metadata)
    published = publish_for_serving(best, config, metadata)
    cached = CachedReferenceMPB3.from_mpb3(best, gold_references(builder, positions))
    cached_published = publish_for_serving(
        cached,
        config,
        describe_model(
            cached,
            class_names,
            thresholds=thresholds,
            extra={"position_names": list(positions)},
        ),
        name=f"{config.export.name}_cached",
    )
    say(
        f"pair model: {published.path}\ncached-reference model (inputs test, position_id in "
        f"positions.json order): {cached_published.path}"
    )
    results = {"mode": "train", "history": history.history, "positions": positions}
    exports = [published.path, cached_published.path]
    say("metrics:", write_run_report(config.workdir, "mpb3_smt", config, results, exports))
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
        say(
            f"{name:<12} pairs {m['pairs']:5d}  ng {m['ng_pairs']:4d}  omission {omission}  "
            f"false alarm {alarm}  weighted F {m['weighted_f_score']:.4f}"
        )
    with open(os.path.join(config.workdir, f"{split}_report.json"), "w") as handle:
        json.dump(report, handle, indent=2)
    results = {"mode": "val", "split": split, **report}
    say("metrics:", write_run_report(config.workdir, "mpb3_smt", config, results))
    say(
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
    say(
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
    """Classify ``<name>_reference.png`` / ``<name>_test.png`` pairs in ``folder`` with
    ``Predictor`` (the front of ``tfdefect predict`` and the exports): the best checkpoint
    (runtime tf), or the newest published SavedModel / ONNX model, at the recipe's
    ``ng_threshold`` as in val (the exports carry the one they were trained with; a
    different one is named). Images are resized to the model's input as they are read.
    With ``cached_reference`` (runtime tf) each distinct reference image is embedded once."""
    if cached_reference and runtime != "tf":
        raise SystemExit(
            "--cached-reference runs with --runtime tf; the exported *_cached models take "
            "position ids (see positions.json) instead of reference images"
        )
    from tfdefect.inference.image_io import ImageReadError

    references = sorted(glob.glob(os.path.join(folder, "*_reference.png")))
    if not references:
        raise SystemExit(f"{folder}: no *_reference.png files")
    pairs = []
    for reference in references:
        test = reference[: -len("_reference.png")] + "_test.png"
        if not os.path.isfile(test):
            raise SystemExit(f"{reference}: its test sample {test} is missing")
        pairs.append((reference, test))
    predictor = _pair_predictor(config, runtime)
    stored = predictor.metadata.thresholds.get("ng", 0.5)
    if config.ng_threshold != stored:
        say(f"ng_threshold {config.ng_threshold} (the model was exported with {stored})")
        predictor.metadata.thresholds["ng"] = config.ng_threshold

    def read(path):  # at the model's input size at once: a folder of big photos fits
        return predictor.model_batch([predictor.read(path)])[0]

    try:
        reference_images = [read(r) for r, _ in pairs]
        test_images = [read(t) for _, t in pairs]
    except ImageReadError as error:
        raise SystemExit(str(error)) from None
    if cached_reference:
        results = _predict_cached(predictor, reference_images, test_images)
    else:
        results = predictor.predict(test_images, reference=reference_images)
    rows = [
        {
            "pair": os.path.basename(reference)[: -len("_reference.png")],
            "ng_probability": round(result.ng_probability, 5),
            "ng": result.is_ng,
            "defect_class": result.defect_class,
        }
        for (reference, _), result in zip(pairs, results, strict=True)
    ]
    os.makedirs(output_dir, exist_ok=True)
    path = os.path.join(output_dir, "predictions.csv")
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    say(f"{len(rows)} pairs ({runtime}, ng at probability >= {config.ng_threshold}) -> {path}")
    return rows


def _pair_predictor(config, runtime: str):
    """The Predictor of the best checkpoint (tf) or the newest published version."""
    from tfdefect.inference.predictor import Predictor

    if runtime == "tf":
        return Predictor(os.path.join(config.ckp, "best.keras"))
    from tfdefect.export.publish import version_numbers

    base = os.path.join(config.export.dir, config.export.name)
    versions = version_numbers(base)
    if not versions:
        raise SystemExit(f"{base}: no published version; run --mode train first")
    path = os.path.join(base, str(versions[-1]))
    return Predictor(path if runtime == "savedmodel" else os.path.join(path, "model.onnx"))


def _predict_cached(predictor, reference_images: list, test_images: list) -> list:
    """Pair results of a cached-reference MPB3 built from ``predictor``'s model: each
    distinct reference embedded once, the pairs scored by position id."""
    from tfdefect.export import describe_model
    from tfdefect.inference.predictor import Predictor

    digests = [hashlib.sha1(image.tobytes()).hexdigest() for image in reference_images]
    distinct = list(dict.fromkeys(digests))
    first = [digests.index(d) for d in distinct]
    references = np.stack([reference_images[k] for k in first])  # read at the model's size
    cached = CachedReferenceMPB3.from_mpb3(predictor.runtime.model, references)
    metadata = describe_model(
        cached, predictor.class_names, thresholds=dict(predictor.metadata.thresholds)
    )
    say(f"{len(distinct)} distinct references embedded once for {len(digests)} pairs")
    position_id = np.array([distinct.index(d) for d in digests], dtype="int32")
    return Predictor.from_model(cached, metadata).predict(test_images, position_id=position_id)
