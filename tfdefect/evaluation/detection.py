"""Evaluating an instance-segmentation detector (Mask R-CNN) on whole images.

The streaming COCO evaluator it feeds, ``DetectionEvaluator``, is in ``detection_evaluator``
(a module of its own to keep each file a few hundred lines).
"""

from __future__ import annotations

import numpy as np

from tfdefect.evaluation.detection_evaluator import DetectionEvaluator
from tfdefect.progress import progress_bar_over

# detections below this score still enter the COCO AP (which sweeps every threshold)
EVALUATION_MIN_CONFIDENCE = 0.05


def class_map(class_ids: np.ndarray, masks: np.ndarray) -> np.ndarray | None:
    """(H, W) uint8 class map from (D,) class ids and (D, H, W) instance masks (later wins);
    None for no instances."""
    result = np.zeros(masks.shape[1:], np.uint8) if len(masks) else None
    for class_id, mask in zip(class_ids, masks, strict=True):
        result[mask > 0] = class_id
    return result


def evaluate_detector(
    model,
    dataset,
    class_names,
    score_threshold: float,
    max_plots: int = 6,
    coco_results=None,
    file_names=None,
    f1_thresholds=None,
):
    """COCO metrics (masks and boxes), instance and image F1 of ``model`` over ``dataset``.

    Args:
        model: a detector whose ``predict_on_batch`` returns ``num_detections`` (B,),
            ``class_ids`` / ``scores`` (B, D), ``boxes`` (B, D, 4) normalised and ``masks``
            (B, D, H, W); it sees the first ``model.image_shape[-1]`` channels.
        dataset: (images (B, H, W, C), targets) batches of whole images; targets hold
            ``classes`` (B, N) with 0 for padding, ``boxes`` (B, N, 4) normalised and
            ``masks`` (B, N, H, W), optionally ``crowd`` (B, N) bool (ignored regions).
        class_names: the foreground class names (class id k is ``class_names[k - 1]``).
        score_threshold: the detection score of the F1 figures and the plotted predictions.
        max_plots: images kept for plotting.
        coco_results: a ``CocoResults`` that receives every image's truth and detections.
        file_names: the images' names, in dataset order, for ``coco_results``.
        f1_thresholds: also the F1 figures at each of these detection scores (one pass over
            the data; see ``f1_by_threshold``).

    Returns:
        (result dict of the mask evaluator plus ``bbox_coco`` (the box evaluator's twelve
        COCO figures) and ``bbox_map50`` / ``bbox_map``, plot data {"images", "truth",
        "prediction"} of up to ``max_plots`` images, or None). With ``f1_thresholds`` the
        result also holds ``f1_by_threshold``: [{"score_threshold", "instance_f1", ...}].
    """
    channels = model.image_shape[-1]
    evaluator = DetectionEvaluator(class_names, iou_type="segm", score_threshold=score_threshold)
    box_evaluator = DetectionEvaluator(
        class_names, iou_type="bbox", score_threshold=score_threshold
    )
    shown = {"images": [], "truth": [], "prediction": []}
    for images, targets in progress_bar_over(dataset, "evaluate"):
        size = images.shape[1]
        outputs = model.predict_on_batch(images[..., :channels])
        outputs = {k: np.asarray(v) for k, v in outputs.items()}
        for b in range(len(outputs["num_detections"])):
            valid = targets["classes"][b].numpy() > 0
            gt_classes = targets["classes"][b].numpy()[valid]
            gt_boxes = targets["boxes"][b].numpy()[valid] * size
            gt_masks = targets["masks"][b].numpy()[valid]
            gt_crowd = targets["crowd"][b].numpy()[valid] if "crowd" in targets else None
            n = int(outputs["num_detections"][b])
            keep = outputs["scores"][b, :n] >= EVALUATION_MIN_CONFIDENCE
            detections = (
                outputs["class_ids"][b, :n][keep],
                outputs["scores"][b, :n][keep],
                outputs["boxes"][b, :n][keep] * size,
                outputs["masks"][b, :n][keep],
            )
            evaluator.update(gt_classes, gt_boxes, gt_masks, *detections, gt_crowd=gt_crowd)
            box_evaluator.update(gt_classes, gt_boxes, gt_masks, *detections, gt_crowd=gt_crowd)
            if coco_results is not None:
                index = len(coco_results.truth)
                coco_results.add_image(
                    file_names[index] if file_names is not None else f"image_{index + 1:06d}",
                    gt_classes,
                    gt_masks,
                    np.zeros(len(gt_classes), bool) if gt_crowd is None else gt_crowd,
                    *detections,
                )
            if len(shown["images"]) < max_plots:
                confident = detections[1] >= score_threshold
                empty = np.zeros(images.shape[1:3], np.uint8)
                shown["images"].append(images[b].numpy())
                shown["truth"].append(class_map(gt_classes, gt_masks) if valid.any() else empty)
                shown["prediction"].append(
                    class_map(detections[0][confident], detections[3][confident])
                    if confident.any()
                    else empty
                )
    result = evaluator.result()
    if f1_thresholds is not None:
        result["f1_by_threshold"] = f1_by_threshold(evaluator, f1_thresholds)
    boxes = box_evaluator.result()
    result["bbox_coco"] = boxes["coco"]
    result["bbox_map50"], result["bbox_map"] = boxes["map50"], boxes["map"]
    return result, ({k: np.stack(v) for k, v in shown.items()} if shown["images"] else None)


def f1_by_threshold(evaluator: DetectionEvaluator, thresholds) -> list[dict]:
    """The evaluator's F1 figures (``f1_scores``) at each detection score in ``thresholds``,
    from the detections it already holds; its own ``score_threshold`` is left as it was."""
    kept = evaluator.score_threshold
    table = []
    try:
        for threshold in thresholds:
            evaluator.score_threshold = float(threshold)
            table.append({"score_threshold": float(threshold), **evaluator.f1_scores()})
    finally:
        evaluator.score_threshold = kept
    return table


def best_f1_threshold(table: list[dict], prefer: float = 0.5) -> float:
    """The score threshold of ``table`` (``f1_by_threshold``'s rows) with the highest instance
    F1; among equal F1 the one nearest ``prefer``."""
    best = max(row["instance_f1"] for row in table)
    tied = [row["score_threshold"] for row in table if row["instance_f1"] >= best - 1e-12]
    return min(tied, key=lambda t: (abs(t - prefer), t))
