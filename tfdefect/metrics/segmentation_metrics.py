"""Keras training metrics for segmentation that background cannot fool."""

from __future__ import annotations

import keras


def segmentation_metrics(class_names) -> list[keras.metrics.Metric]:
    """Per-class IoU for every defect class and the mean IoU over defect classes.

    Built on ``keras.metrics.IoU`` with sparse labels (B, H, W) and probabilities
    (B, H, W, K). Background (class 0) is left out of ``defect_iou``, so predicting
    background everywhere scores 0, not 0.99.
    """
    num_classes = len(class_names)
    metrics = [
        keras.metrics.IoU(
            num_classes,
            target_class_ids=list(range(1, num_classes)),
            sparse_y_true=True,
            sparse_y_pred=False,
            name="defect_iou",
        )
    ]
    for class_id in range(1, num_classes):
        metrics.append(
            keras.metrics.IoU(
                num_classes,
                target_class_ids=[class_id],
                sparse_y_true=True,
                sparse_y_pred=False,
                name=f"iou_{class_names[class_id]}",
            )
        )
    return metrics
