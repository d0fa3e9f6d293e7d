"""Evaluating a semantic segmenter on whole images."""

from __future__ import annotations

import numpy as np

from tfdefect.metrics import SegmentationEvaluator
from tfdefect.progress import progress_bar_over


def evaluate_segmenter(model, dataset, class_names):
    """Predict (images (B, H, W, C), masks (B, H, W)) batches with ``model`` ((B, H, W, K)
    class probabilities); return (SegmentationEvaluator over ``class_names``, (images, truth,
    prediction) of the first batch)."""
    evaluator = SegmentationEvaluator(class_names)
    shown = None
    for images, masks in progress_bar_over(dataset, "evaluate"):
        predicted = np.argmax(model.predict_on_batch(images), axis=-1)
        evaluator.update(masks.numpy(), predicted)
        if shown is None:
            shown = (images.numpy(), masks.numpy(), predicted)
    return evaluator, shown


def format_segmentation_report(result: dict) -> str:
    """The evaluator result as a text table: per-class IoU / precision / recall / F1, then the
    defect pixel and defect image figures."""
    lines = [f"{'class':<12}{'IoU':>8}{'prec':>8}{'recall':>8}{'F1':>8}{'pixels':>10}"]
    for name, scores in result["per_class"].items():
        lines.append(
            f"{name:<12}{scores['iou']:>8.3f}{scores['precision']:>8.3f}"
            f"{scores['recall']:>8.3f}{scores['f1']:>8.3f}"
            f"{scores['support_pixels']:>10d}"
        )
    lines.append(
        f"mean defect IoU {result['mean_defect_iou']:.3f}, mean defect F1 "
        f"{result['mean_defect_f1']:.3f}"
    )
    lines.append(
        f"defect pixels: precision {result['defect_pixel_precision']:.3f}, recall "
        f"{result['defect_pixel_recall']:.3f}"
    )
    lines.append(
        f"defect images: recall {result['defect_image_recall']:.3f}, precision "
        f"{result['defect_image_precision']:.3f}, F1 {result['defect_image_f1']:.3f} "
        f"({result['defect_images']} of {result['images']} test chips defective)"
    )
    return "\n".join(lines)
