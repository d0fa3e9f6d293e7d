"""Evaluation, one module per task: the streaming evaluators and the run-level evaluation
of a trained model (``detection``, ``segmentation``, ``anomaly``, ``pairs``,
``classification``), and the per-run report every recipe writes (``run_report``).

Names load on first use, so ``import tfdefect.evaluation`` imports neither scikit-learn
nor TensorFlow.
"""

from __future__ import annotations

import importlib

_HOMES = {
    "DetectionEvaluator": "detection_evaluator",
    "coco_metric_lines": "detection_evaluator",
    "evaluate_detector": "detection",
    "CocoResults": "coco_results",
    "SegmentationEvaluator": "segmentation",
    "evaluate_segmenter": "segmentation",
    "format_segmentation_report": "segmentation",
    "anomaly_test_metrics": "anomaly",
    "aupro": "anomaly",
    "f1_optimal_threshold": "anomaly",
    "image_roc_auc": "anomaly",
    "pixel_roc_auc": "anomaly",
    "pro_curve": "anomaly",
    "score_anomaly_split": "anomaly",
    "inspection_metrics": "pairs",
    "classification_figures": "classification",
    "evaluate_binary_classifier": "classification",
    "read_run_report": "run_report",
    "write_run_report": "run_report",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
