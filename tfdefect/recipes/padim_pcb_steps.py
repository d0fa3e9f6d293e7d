"""The steps of recipes.padim_pcb: data, Gaussian fit, threshold, metrics, plots, export."""

from __future__ import annotations

import csv
import json
import os

import keras
import numpy as np

from tfdefect.data.anomaly_pipeline import anomaly_pipeline
from tfdefect.evaluation import write_run_report
from tfdefect.evaluation.anomaly import (
    anomaly_test_metrics,
    f1_optimal_threshold,
    score_anomaly_split,
)
from tfdefect.export import describe_model
from tfdefect.models.padim import Padim
from tfdefect.recipes.common import (
    announce,
    publish_for_serving,
    save_keras_with_metadata,
    say,
    start_run,
)
from tfdefect.viz import plot_heatmaps, plot_precision_recall, plot_roc_curves


def fitted_padim(config, pipeline):
    """Build PaDiM on ``config.model`` and fit its per-patch Gaussians on train/good."""
    announce(f"PaDiM {config.model} (weights: {config.backbone_weights or 'random'})")
    keras.utils.set_random_seed(config.seed)  # random backbone weights are reproducible
    model = Padim(
        config.model,
        (config.image_size, config.image_size, 3),
        backbone_weights=config.backbone_weights,
        embedding_dims=config.embedding_dims,
        seed=config.seed,
        sigma=config.sigma,
    )
    say(
        f"{model.extractor.total_channels} feature channels -> {model.embedding_dims} kept "
        f"(seed {config.seed}); {model.grid[0]}x{model.grid[1]} patches",
    )
    model.fit_gaussian(pipeline("train"))
    return model


def calibrate_threshold(model, pipeline, splits):
    """Set the image and pixel F1-optimal thresholds (anomalib's F1AdaptiveThreshold, one per
    decision) and the min-max normalisation statistics, chosen on validation (test when
    there is none); returns ({"image", "pixel"} thresholds, the scored split, its name)."""
    announce("thresholds")
    threshold_split = "validation" if "validation" in splits else "test"
    if threshold_split == "test":
        say("no validation split: the thresholds are chosen on the test split (optimistic F1)")
    calibration = score_anomaly_split(model, pipeline(threshold_split), threshold_split)
    pixel, pixel_f1 = f1_optimal_threshold(calibration["masks"], calibration["maps"])
    if len(set(calibration["labels"].tolist())) == 2:
        image, image_f1 = f1_optimal_threshold(calibration["labels"], calibration["scores"])
    else:
        say(f"{threshold_split} has one image label only: image threshold = pixel threshold")
        image, image_f1 = pixel, float("nan")
    model.set_thresholds(image=image, pixel=pixel)
    model.set_normalization(float(calibration["maps"].min()), float(calibration["maps"].max()))
    say(
        f"F1-optimal thresholds on {threshold_split}: image {image:.4f} (F1 {image_f1:.3f}), "
        f"pixel {pixel:.4f} (F1 {pixel_f1:.3f})"
    )
    return {"image": image, "pixel": pixel}, calibration, threshold_split


def normalized_copy(model):
    """The same fitted PaDiM answering with anomalib's normalised map and score (0..1,
    decisions at 0.5)."""
    copy = Padim.from_config({**model.get_config(), "normalized_scores": True})
    copy.set_weights(model.get_weights())
    return copy


def write_scores(workdir: str, metrics: dict, scored: dict, threshold: float) -> None:
    """metrics.csv (the flat figures) and scores.csv (one row per test image; is_anomalous
    at the image ``threshold``)."""
    with open(os.path.join(workdir, "metrics.csv"), "w", newline="") as handle:
        flat = {k: v for k, v in metrics.items() if not isinstance(v, dict)}
        writer = csv.DictWriter(handle, fieldnames=list(flat))
        writer.writeheader()
        writer.writerow(flat)
    with open(os.path.join(workdir, "scores.csv"), "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["filename", "defect_type", "label", "score", "is_anomalous"])
        for row in zip(
            scored["files"], scored["types"], scored["labels"], scored["scores"], strict=True
        ):
            writer.writerow(
                [row[0], row[1], int(row[2]), f"{row[3]:.5f}", int(row[3] >= threshold)]
            )


def plot_results(config, metrics, scored, calibration, threshold, threshold_split) -> None:
    """roc.png (image and pixel), precision_recall.png (calibration split), heatmaps.png."""
    announce("plots")
    curves = {
        "image": (scored["labels"], scored["scores"], metrics["image_AUROC"]),
        "pixel": (scored["masks"], scored["maps"], metrics["pixel_AUROC"]),
    }
    say(plot_roc_curves(curves, os.path.join(config.workdir, "roc.png")))
    say(
        plot_precision_recall(
            calibration["masks"],
            calibration["maps"],
            threshold,
            f"pixel PR ({threshold_split})",
            os.path.join(config.workdir, "precision_recall.png"),
        )
    )
    order = np.argsort(scored["types"] == "good", kind="stable")  # defects first
    shown = order[: config.max_heatmaps]
    titles = [f"{scored['types'][i]}: {os.path.basename(scored['files'][i])}" for i in shown]
    say(
        plot_heatmaps(
            scored["images"][shown],
            scored["masks"][shown],
            scored["maps"][shown],
            threshold,
            titles,
            os.path.join(config.workdir, "heatmaps.png"),
        )
    )


def run(config) -> dict:
    """The whole recipe; returns the test metrics (also in metrics.json)."""
    start_run(config)
    source = config.data.manual_dir or "synthetic boards"
    announce(f"data: pcb_anomaly ({source}, category {config.data.category})")
    builder = config.data.prepare()
    splits = list(builder.info.splits)
    say(", ".join(f"{s} {builder.info.splits[s].num_examples}" for s in splits))

    def pipeline(split):
        dataset = builder.as_dataset(split=split)
        return anomaly_pipeline(dataset, config.image_size, config.batch_size)

    model = fitted_padim(config, pipeline)
    thresholds, calibration, threshold_split = calibrate_threshold(model, pipeline, splits)
    threshold = thresholds["pixel"]

    announce("test")
    scored = score_anomaly_split(model, pipeline("test"), "test")
    metrics = anomaly_test_metrics(scored, thresholds["image"], thresholds["pixel"])
    metrics.update(
        backbone=config.model,
        backbone_weights=config.backbone_weights or "random",
        threshold_split=threshold_split,
        train_images=int(model.num_train_images.numpy()),
    )
    say(json.dumps(metrics, indent=1))
    write_scores(config.workdir, metrics, scored, thresholds["image"])
    plot_results(config, metrics, scored, calibration, threshold, threshold_split)

    metadata = describe_model(
        model, extra={"map_scale": float(2 * threshold), "category": config.data.category}
    )
    save_keras_with_metadata(model, os.path.join(config.workdir, "padim.keras"), metadata)
    exported = model
    if config.normalized_scores:
        exported = normalized_copy(model)
        metadata = describe_model(
            exported,
            extra={"map_scale": 1.0, "category": config.data.category, "normalized_scores": True},
        )
        say("export: anomalib's normalised scores (0..1, image and pixel decisions at 0.5)")
    published = publish_for_serving(exported, config, metadata, sample_images=scored["images"][:2])
    say("report:", write_run_report(config.workdir, "padim_pcb", config, metrics, [published.path]))
    return metrics
