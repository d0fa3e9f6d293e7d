"""Keras training metrics (passed to ``model.compile``). Evaluation of a trained model
lives in ``tfdefect.evaluation``."""

from tfdefect.metrics.segmentation_metrics import segmentation_metrics

__all__ = ["segmentation_metrics"]
