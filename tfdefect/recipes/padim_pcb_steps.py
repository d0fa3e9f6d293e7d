"""The steps of recipes.padim_pcb: data, Gaussian fit, threshold, metrics, plots, export."""

from __future__ import annotations

import csv
import json
import os
import time

import keras
import numpy as np

from tfdefect.config import to_json
from tfdefect.data.anomaly_pipeline import anomaly_pipeline
from tfdefect.evaluation import write_run_report
from tfdefect.export import describe_model
from tfdefect.metrics.anomaly_metrics import (
    aupro,
    f1_optimal_threshold,
    image_roc_auc,
    pixel_roc_auc,
)
from tfdefect.models.padim import Padim
from tfdefect.recipes.common import announce, publish_for_serving, save_keras_with_metadata
from tfdefect.viz import plot_heatmaps, plot_precision_recall, plot_roc_curves


def score_split(model, dataset, name: str) -> dict:
    """Run ``model`` over an anomaly_pipeline split; stack images, maps, scores and truth."""
    parts = {k: [] for k in ("images", "maps", "scores", "masks", "labels", "types", "files")}
    started = time.time()
    for images, targets in dataset:
        outputs = model.predict_on_batch(images)
        parts["images"].append(images.numpy())
        parts["maps"].append(np.asarray(outputs["anomaly_map"]))
        parts["scores"].append(np.asarray(outputs["score"]))
        parts["masks"].append(targets["mask"].numpy())
        parts["labels"].append(targets["label"].numpy())
        parts["types"].append(targets["defect_type"].numpy().astype(str))
        parts["files"].append(targets["filename"].numpy().astype(str))
    result = {k: np.concatenate(v) for k, v in parts.items()}
    count = len(result["scores"])
    print(f"{name}: {count} images scored in {time.time() - started:.1f}s", flush=True)
    return result


def test_metrics(scored: dict, threshold: float) -> dict:
    """Image / pixel ROC-AUC, AUPRO@0.3, F1 at ``threshold``, per defect type."""
    labels, scores, masks, maps = (scored[k] for k in ("labels", "scores", "masks", "maps"))
    predicted = scores >= threshold
    true_positive = np.sum(predicted & (labels == 1))
    image_f1 = 2 * true_positive / max(predicted.sum() + labels.sum(), 1)
    pixel_predicted = maps >= threshold
    pixel_tp = np.sum(pixel_predicted & (masks > 0))
    pixel_f1 = 2 * pixel_tp / max(pixel_predicted.sum() + (masks > 0).sum(), 1)
    per_type = {}
    good = scored["types"] == "good"
    for defect_type in sorted(set(scored["types"]) - {"good"}):
        chosen = good | (scored["types"] == defect_type)
        per_type[defect_type] = {
            "images": int(np.sum(scored["types"] == defect_type)),
            "image_roc_auc": image_roc_auc(labels[chosen], scores[chosen]),
        }
    return {
        "image_roc_auc": image_roc_auc(labels, scores),
        "pixel_roc_auc": pixel_roc_auc(masks, maps),
        "aupro_30": aupro(masks, maps, fpr_limit=0.3),
        "threshold": threshold,
        "image_f1": float(image_f1),
        "pixel_f1": float(pixel_f1),
        "images": int(len(labels)),
        "anomalous_images": int(labels.sum()),
        "per_defect_type": per_type,
    }


def run(config) -> dict:
    os.makedirs(config.workdir, exist_ok=True)
    with open(os.path.join(config.workdir, "config.json"), "w") as handle:
        handle.write(to_json(config))
    source = config.data.manual_dir or "synthetic boards"
    announce(f"data: pcb_anomaly ({source}, category {config.data.category})")
    builder = config.data.prepare()
    splits = list(builder.info.splits)
    print(", ".join(f"{s} {builder.info.splits[s].num_examples}" for s in splits), flush=True)

    def pipeline(split):
        dataset = builder.as_dataset(split=split)
        return anomaly_pipeline(dataset, config.image_size, config.batch_size)

    announce(f"PaDiM {config.backbone} (weights: {config.backbone_weights or 'random'})")
    keras.utils.set_random_seed(config.seed)  # random backbone weights are reproducible
    model = Padim(
        config.backbone,
        (config.image_size, config.image_size, 3),
        backbone_weights=config.backbone_weights,
        embedding_dims=config.embedding_dims,
        seed=config.seed,
        sigma=config.sigma,
    )
    print(
        f"{model.extractor.total_channels} feature channels -> {model.embedding_dims} kept "
        f"(seed {config.seed}); {model.grid[0]}x{model.grid[1]} patches",
        flush=True,
    )
    model.fit_gaussian(pipeline("train"))

    announce("threshold")
    threshold_split = "validation" if "validation" in splits else "test"
    if threshold_split == "test":
        print("no validation split: the threshold is chosen on the test split (optimistic F1)")
    calibration = score_split(model, pipeline(threshold_split), threshold_split)
    threshold, calibration_f1 = f1_optimal_threshold(calibration["masks"], calibration["maps"])
    model.set_threshold(threshold)
    print(
        f"pixel F1-optimal threshold {threshold:.4f} (F1 {calibration_f1:.3f} on {threshold_split})"
    )

    announce("test")
    scored = score_split(model, pipeline("test"), "test")
    metrics = test_metrics(scored, threshold)
    metrics.update(
        backbone=config.backbone,
        backbone_weights=config.backbone_weights or "random",
        threshold_split=threshold_split,
        train_images=int(model.num_train_images.numpy()),
    )
    print(json.dumps(metrics, indent=1), flush=True)
    with open(os.path.join(config.workdir, "metrics.csv"), "w", newline="") as handle:
        flat = {k: v for k, v in metrics.items() if not isinstance(v, dict)}
        writer = csv.DictWriter(handle, fieldnames=list(flat))
        writer.writeheader()
        writer.writerow(flat)
    with open(os.path.join(config.workdir, "scores.csv"), "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["filename", "defect_type", "label", "score", "is_anomalous"])
        for row in zip(
            scored["files"], scored["types"], scored["labels"], scored["scores"], strict=True
        ):
            writer.writerow(
                [row[0], row[1], int(row[2]), f"{row[3]:.5f}", int(row[3] >= threshold)]
            )

    announce("plots")
    curves = {
        "image": (scored["labels"], scored["scores"], metrics["image_roc_auc"]),
        "pixel": (scored["masks"], scored["maps"], metrics["pixel_roc_auc"]),
    }
    print(plot_roc_curves(curves, os.path.join(config.workdir, "roc.png")))
    print(
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
    print(
        plot_heatmaps(
            scored["images"][shown],
            scored["masks"][shown],
            scored["maps"][shown],
            threshold,
            titles,
            os.path.join(config.workdir, "heatmaps.png"),
        )
    )

    metadata = describe_model(
        model, extra={"map_scale": float(2 * threshold), "category": config.data.category}
    )
    save_keras_with_metadata(model, os.path.join(config.workdir, "padim.keras"), metadata)
    published = publish_for_serving(model, config, metadata, sample_images=scored["images"][:2])
    print(
        "report:", write_run_report(config.workdir, "padim_pcb", config, metrics, [published.path])
    )
    return metrics
