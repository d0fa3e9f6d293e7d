from tfdefect.metrics.segmentation_evaluator import SegmentationEvaluator
from tfdefect.metrics.segmentation_metrics import segmentation_metrics

__all__ = ["SegmentationEvaluator", "segmentation_metrics"]
