"""Evaluating a semantic segmenter: the streaming ``SegmentationEvaluator`` (pixel and
image-level scores) and ``evaluate_segmenter`` over whole images."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from tfdefect.progress import progress_bar_over


class SegmentationEvaluator:
    """Accumulates predictions batch by batch and reports scores per class.

    Pixel level: confusion matrix (scikit-learn), per-class IoU, precision, recall, F1, and
    defect-vs-background pixel precision/recall. Image level: an image "has a defect" when it
    has any defect pixel (truth) or at least ``min_defect_pixels`` predicted defect pixels;
    defect-image recall, precision and F1 follow.

    Args:
        class_names: K names, class 0 is background.
        min_defect_pixels: predicted pixels needed to call an image defective.
    """

    def __init__(self, class_names, min_defect_pixels: int = 4):
        self.class_names = list(class_names)
        self.min_defect_pixels = min_defect_pixels
        self.confusion = np.zeros((len(class_names),) * 2, np.int64)
        self.image_truth: list[bool] = []
        self.image_prediction: list[bool] = []

    def update(self, true_masks: np.ndarray, predicted_masks: np.ndarray) -> None:
        """Add a batch: both (B, H, W) integer class maps."""
        true_masks = np.asarray(true_masks)
        predicted_masks = np.asarray(predicted_masks)
        if true_masks.shape != predicted_masks.shape:
            raise ValueError(f"mask shapes differ: {true_masks.shape} vs {predicted_masks.shape}")
        self.confusion += confusion_matrix(
            true_masks.ravel(), predicted_masks.ravel(), labels=list(range(len(self.class_names)))
        )
        flat_true = true_masks.reshape(len(true_masks), -1)
        flat_pred = predicted_masks.reshape(len(predicted_masks), -1)
        self.image_truth += list((flat_true > 0).any(axis=1))
        self.image_prediction += list((flat_pred > 0).sum(axis=1) >= self.min_defect_pixels)

    def result(self) -> dict:
        """Scores as a JSON-ready dict."""
        c = self.confusion.astype(np.float64)
        true_positive = np.diag(c)
        per_class = {}
        for k, name in enumerate(self.class_names):
            support = c[k].sum()
            predicted = c[:, k].sum()
            precision = true_positive[k] / predicted if predicted else 0.0
            recall = true_positive[k] / support if support else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            union = support + predicted - true_positive[k]
            per_class[name] = {
                "iou": float(true_positive[k] / union) if union else 0.0,
                "precision": float(precision),
                "recall": float(recall),
                "f1": float(f1),
                "support_pixels": int(support),
            }
        defect_names = self.class_names[1:]
        defect_true = c[1:, :].sum()
        defect_pred = c[:, 1:].sum()
        defect_hit = c[1:, 1:].sum()  # defect pixels predicted as some defect class
        truth = np.asarray(self.image_truth, bool)
        prediction = np.asarray(self.image_prediction, bool)
        image_p, image_r, image_f, _ = precision_recall_fscore_support(
            truth, prediction, average="binary", zero_division=0
        )
        return {
            "per_class": per_class,
            "mean_defect_iou": float(np.mean([per_class[n]["iou"] for n in defect_names])),
            "mean_defect_f1": float(np.mean([per_class[n]["f1"] for n in defect_names])),
            "defect_pixel_precision": float(defect_hit / defect_pred) if defect_pred else 0.0,
            "defect_pixel_recall": float(defect_hit / defect_true) if defect_true else 0.0,
            "pixel_accuracy": float(true_positive.sum() / c.sum()) if c.sum() else 0.0,
            "defect_image_recall": float(image_r),
            "defect_image_precision": float(image_p),
            "defect_image_f1": float(image_f),
            "images": int(len(truth)),
            "defect_images": int(truth.sum()),
            "confusion_matrix": self.confusion.tolist(),
        }


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
