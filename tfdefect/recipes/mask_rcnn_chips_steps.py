"""The steps of recipes.mask_rcnn_chips: data, per-variant training and evaluation, table,
plots, export."""

from __future__ import annotations

import csv
import json
import os
import time

import keras
import numpy as np

from tfdefect.data.channel_selection import first_channels
from tfdefect.data.detection_pipeline import detection_pipeline
from tfdefect.data.segmentation_pipeline import segmentation_pipeline
from tfdefect.datasets.chips6.data_config import chips6_class_names
from tfdefect.datasets.chips6.names import CHANNEL_NAMES
from tfdefect.evaluation import write_run_report
from tfdefect.evaluation.coco_results import CocoResults
from tfdefect.evaluation.detection import (
    EVALUATION_MIN_CONFIDENCE,
    best_f1_threshold,
    evaluate_detector,
)
from tfdefect.evaluation.detection_evaluator import coco_metric_lines
from tfdefect.export import describe_model
from tfdefect.models.mask_rcnn.mask_rcnn import MaskRCNN
from tfdefect.models.mask_rcnn.merge_pretraining import pretrain_channel_merge
from tfdefect.recipes.common import (
    announce,
    publish_for_serving,
    save_keras_with_metadata,
    say,
    start_run,
)
from tfdefect.training.fit import fit_model
from tfdefect.viz import plot_segmentation_predictions


def _pretrained_merge(config, builder):
    if config.merge_weights:
        return config.merge_weights
    if not config.pretrain_merge:
        return None
    announce(f"pretraining the channel-merge subnetwork ({config.merge_pretrain_epochs} epochs)")
    data = segmentation_pipeline(
        builder.as_dataset(split="train"),
        batch_size=8,
        training=True,
        crop_size=min(96, config.data.image_size),
        seed=config.seed,
    )
    path = os.path.join(config.workdir, "channel_merge.weights.h5")
    return pretrain_channel_merge(data, path, epochs=config.merge_pretrain_epochs)


def whole_chips(builder, split: str, config):
    """``split``'s whole chips in evaluation order, six channels, crowd regions kept:
    (images (B, H, W, 6), targets) batches for ``evaluate_detector``."""
    return detection_pipeline(
        builder.as_dataset(split=split),
        batch_size=config.train.batch_size,
        training=False,
        max_instances=config.max_instances,
        keep_crowd=True,
    )


def train_variant(name, variant, config, builder, strategy, merge_weights):
    """Build, train and evaluate one variant; return (model, row of the table, plot data)."""
    class_names = chips6_class_names(builder)
    size = config.data.image_size
    channels = variant["channels"]
    batch = config.train.batch_size
    splits = {
        split: detection_pipeline(
            builder.as_dataset(split=split),
            batch_size=batch,
            training=split == "train",
            max_instances=config.max_instances,
            seed=config.seed,
            crop_size=config.crop_size,
        )
        for split in ("train", "validation")
    }
    splits["test"] = whole_chips(builder, "test", config)
    whole_validation = whole_chips(builder, "validation", config)
    for split in ("train", "validation"):  # the test split keeps six channels for the plots
        splits[split] = first_channels(splits[split], channels)
    settings = dict(
        backbone_weights=config.backbone_weights,
        num_classes=len(class_names),
        backbone=variant["backbone"],
        merge_channels=variant["merge_channels"],
        merge_weights=merge_weights if variant["merge_channels"] else None,
        train_rois=config.train_rois,
        fpn_channels=config.fpn_channels,
        mask_channels=config.mask_channels,
        rpn_balanced_loss=config.rpn_balanced_loss,
        detection_min_confidence=EVALUATION_MIN_CONFIDENCE,
        name=name,
    )
    train_size = config.crop_size or size
    keras.utils.set_random_seed(config.seed)
    with strategy.scope():
        # anchors and ROI levels are in pixels, so weights trained on crops fit whole chips
        trained = MaskRCNN(image_shape=(train_size, train_size, channels), **settings)
        trained.compile(optimizer=keras.optimizers.Adam(config.train.learning_rate, clipnorm=5.0))
    model = (
        MaskRCNN(image_shape=(size, size, channels), **settings) if train_size != size else trained
    )
    model.set_weights(trained.get_weights())
    say(f"{name}: {model.count_params():,} parameters")
    untrained, _ = evaluate_detector(model, splits["test"], class_names[1:], 0.5, max_plots=0)
    say(f"{name} untrained: mAP@0.5 {untrained['map50']:.3f}")
    started = time.time()
    fit_model(
        trained,
        splits["train"],
        splits["validation"],
        config.train,
        os.path.join(config.workdir, name),
    )
    train_seconds = time.time() - started
    model.set_weights(trained.get_weights())
    score_threshold, validation_f1 = choose_score_threshold(
        model, whole_validation, class_names, config.score_threshold
    )
    save_keras_with_metadata(
        model,
        os.path.join(config.workdir, name, "inference.keras"),
        chips_metadata(model, channels, score_threshold, class_names),
    )
    coco_results = CocoResults(class_names[1:])
    test_names = [
        example["chip_id"].decode()
        for example in builder.as_dataset(split="test").as_numpy_iterator()
    ]
    result, shown = evaluate_detector(
        model,
        splits["test"],
        class_names[1:],
        score_threshold,
        coco_results=coco_results,
        file_names=test_names,
    )
    detections, annotations = coco_results.write(os.path.join(config.workdir, name))
    say(f"{name} (test split, masks):\n" + "\n".join(coco_metric_lines(result["coco"])))
    say(f"COCO results: {detections} (ground truth: {annotations})")
    row = {
        "variant": name,
        "channels": channels,
        "backbone": variant["backbone"],
        "merge": variant["merge_channels"],
        "score_threshold": score_threshold,
        "validation_instance_f1": validation_f1,
        "instance_f1": result["instance_f1"],
        "instance_precision": result["instance_precision"],
        "instance_recall": result["instance_recall"],
        "image_f1": result["image_f1"],
        "map50": result["map50"],
        "map": result["map"],
        "bbox_map50": result["bbox_map50"],
        "coco_segm": result["coco"],
        "coco_bbox": result["bbox_coco"],
        "per_class": result["per_class"],
        "untrained_map50": untrained["map50"],
        "train_seconds": round(train_seconds, 1),
        **{f"ap50_{k}": v["ap50"] for k, v in result["per_class"].items()},
    }
    say(json.dumps(row, indent=1))
    return model, row, shown


def choose_score_threshold(model, whole_validation, class_names, fixed):
    """``(threshold, validation instance F1 at it)``: ``fixed`` when it is set, else the one
    of SCORE_THRESHOLDS with the best instance F1 on the validation split's whole chips."""
    from tfdefect.recipes.mask_rcnn_chips import SCORE_THRESHOLDS

    candidates = SCORE_THRESHOLDS if fixed is None else (fixed,)
    result, _ = evaluate_detector(
        model, whole_validation, class_names[1:], 0.5, max_plots=0, f1_thresholds=candidates
    )
    table = result["f1_by_threshold"]
    threshold = best_f1_threshold(table) if fixed is None else fixed
    (chosen,) = [row for row in table if row["score_threshold"] == threshold]
    if fixed is None:
        say(
            "score threshold (validation, whole chips, instance F1): "
            + ", ".join(f"{r['score_threshold']:.2f} {r['instance_f1']:.3f}" for r in table)
            + f" -> {threshold:.2f}",
        )
    return threshold, chosen["instance_f1"]


def chips_metadata(model, channels: int, score_threshold: float, class_names):
    """Export metadata of a chips Mask R-CNN: classes, channel names, score threshold."""
    return describe_model(
        model,
        class_names,
        thresholds={"detection_score": score_threshold},
        extra={"channel_names": list(CHANNEL_NAMES[:channels]), "display_channel": 1},
    )


def comparison_table(rows) -> str:
    header = (
        "| variant | channels | backbone | F1 (instance) | F1 (image) | mAP@0.5 | "
        "mAP@[.5:.95] | untrained mAP@0.5 | score threshold |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
    )
    return header + "".join(
        f"| {r['variant']} | {r['channels']} | {r['backbone']}{' + merge' if r['merge'] else ''}"
        f" | {r['instance_f1']:.3f} | {r['image_f1']:.3f} | {r['map50']:.3f} | {r['map']:.3f} |"
        f" {r['untrained_map50']:.3f} | {r['score_threshold']:.2f} |\n"
        for r in rows
    )


def run(config, strategy) -> dict:
    start_run(config)
    announce("data: chips6")
    builder = config.data.prepare()
    class_names = chips6_class_names(builder)
    say(
        "chips6: "
        + ", ".join(
            f"{s} {builder.info.splits[s].num_examples}" for s in ("train", "validation", "test")
        ),
    )
    from tfdefect.recipes.mask_rcnn_chips import VARIANTS

    merge_weights = None
    if any(VARIANTS[v]["merge_channels"] for v in config.models):
        merge_weights = _pretrained_merge(config, builder)
    rows, model, shown = [], None, None
    for name in config.models:
        announce(f"variant {name}: {VARIANTS[name]}")
        model, row, shown = train_variant(
            name, VARIANTS[name], config, builder, strategy, merge_weights
        )
        rows.append(row)

    chosen = "chosen on validation" if config.score_threshold is None else "fixed"
    announce(f"comparison (test split, F1 at the {chosen} score threshold, mask IoU for mAP)")
    table = comparison_table(rows)
    say(table)
    with open(os.path.join(config.workdir, "comparison.md"), "w") as handle:
        handle.write(table)
    with open(os.path.join(config.workdir, "comparison.csv"), "w", newline="") as handle:
        flat = [{k: v for k, v in row.items() if not isinstance(v, dict)} for row in rows]
        writer = csv.DictWriter(handle, fieldnames=list(flat[0]))
        writer.writeheader()
        writer.writerows(flat)
    with open(os.path.join(config.workdir, "comparison.json"), "w") as handle:
        json.dump(rows, handle, indent=2)

    announce("plots")
    path = plot_segmentation_predictions(
        shown["images"],
        shown["truth"],
        shown["prediction"],
        CHANNEL_NAMES,
        class_names,
        os.path.join(config.workdir, f"predictions_{rows[-1]['variant']}.png"),
    )
    say(path)

    channels = rows[-1]["channels"]
    published = publish_for_serving(
        model,
        config,
        chips_metadata(model, channels, rows[-1]["score_threshold"], class_names),
        sample_images=shown["images"][:2, ..., :channels].astype(np.uint8),
    )
    say(
        f"inference model: {os.path.join(config.workdir, rows[-1]['variant'], 'inference.keras')}"
        f"\nserve: {published.path}  (predict: tfdefect predict {published.path} chip.npy)"
    )
    report = write_run_report(
        config.workdir, "mask_rcnn_chips", config, {"variants": rows}, [published.path]
    )
    say(f"metrics: {report}")
    return {"rows": rows, "published": published}
