"""Typed per-image results of ``Predictor.predict``; ``to_dict()`` gives JSON fields."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

# the box convention of predictions.jsonl (COCO files: [x, y, width, height] pixels)
BOX_FORMAT = "xyxy_pixels"


@dataclasses.dataclass
class Detection:
    """One detected instance: class, score, box in pixels (x_min, y_min, x_max, y_max) of
    the input image (``BOX_FORMAT``), and its (H, W) bool mask at the input image's size."""

    class_id: int
    class_name: str
    score: float
    box: tuple
    mask: np.ndarray | None = dataclasses.field(default=None, repr=False)

    def to_dict(self) -> dict:
        return {
            "class_id": self.class_id,
            "class_name": self.class_name,
            "score": round(self.score, 5),
            "box": [round(float(v), 2) for v in self.box],
            "mask_pixels": int(self.mask.sum()) if self.mask is not None else None,
        }


@dataclasses.dataclass
class DetectionResult:
    """Mask R-CNN detections of one image (best score first)."""

    detections: list
    image_size: tuple

    @property
    def verdict(self) -> str:
        return "defective" if self.detections else "ok"

    def to_dict(self) -> dict:
        counts: dict[str, int] = {}
        for d in self.detections:
            counts[d.class_name] = counts.get(d.class_name, 0) + 1
        return {
            "task": "detection",
            "verdict": self.verdict,
            "num_detections": len(self.detections),
            "counts": counts,
            "box_format": BOX_FORMAT,
            "detections": [d.to_dict() for d in self.detections],
        }

    def to_coco(self, image_id: int) -> list:
        """The detections as COCO results of image ``image_id``: ``bbox`` [x, y, width,
        height] pixels, ``segmentation`` compressed RLE (when masks were predicted)."""
        from tfdefect.evaluation.coco_results import coco_detection

        return [
            coco_detection(image_id, d.class_id, d.score, d.box, d.mask) for d in self.detections
        ]


@dataclasses.dataclass
class SegmentationResult:
    """Per-pixel classes of one image: ``class_map`` (H, W) int of the input image's size,
    ``class_names`` by value (0 is background) and the pixel count per class."""

    class_map: np.ndarray = dataclasses.field(repr=False)
    class_names: list
    pixel_counts: dict

    @property
    def verdict(self) -> str:
        background = self.class_names[0]
        defect = sum(c for name, c in self.pixel_counts.items() if name != background)
        return "defective" if defect else "ok"

    def to_dict(self) -> dict:
        return {"task": "segmentation", "verdict": self.verdict, "pixel_counts": self.pixel_counts}


@dataclasses.dataclass
class AnomalyResult:
    """PaDiM output of one image under anomalib's names: ``pred_score`` (max of the map),
    ``pred_label`` (True: anomalous at the exported image ``threshold``), ``anomaly_map``
    (H, W) float at the input image's size (Mahalanobis distance units, or 0..1 for a
    normalised export), ``pred_mask`` (H, W) bool anomalous pixels and the pixel threshold
    that made it (``map_threshold``). ``score``, ``is_anomalous`` and ``mask`` are the
    former names (deprecated, removed in the next release)."""

    pred_score: float
    pred_label: bool
    threshold: float | None
    anomaly_map: np.ndarray = dataclasses.field(repr=False)
    pred_mask: np.ndarray = dataclasses.field(repr=False)
    map_threshold: float | None = None

    @property
    def verdict(self) -> str:
        return "anomalous" if self.pred_label else "good"

    @property
    def score(self) -> float:
        _renamed("score", "pred_score")
        return self.pred_score

    @property
    def is_anomalous(self) -> bool:
        _renamed("is_anomalous", "pred_label")
        return self.pred_label

    @property
    def mask(self) -> np.ndarray:
        _renamed("mask", "pred_mask")
        return self.pred_mask

    def to_dict(self) -> dict:
        """JSON fields: anomalib's ``pred_score`` / ``pred_label``, and ``score`` (the
        former key, deprecated) beside them for one release."""
        return {
            "task": "anomaly",
            "verdict": self.verdict,
            "pred_score": round(self.pred_score, 5),
            "pred_label": bool(self.pred_label),
            "threshold": self.threshold,
            "map_threshold": self.map_threshold,
            "anomalous_pixels": int(self.pred_mask.sum()),
            "score": round(self.pred_score, 5),
        }


def _renamed(old: str, new: str) -> None:
    warnings.warn(
        f"AnomalyResult.{old} is now AnomalyResult.{new} (anomalib's name); the old name "
        "goes in the next release",
        DeprecationWarning,
        stacklevel=3,
    )


@dataclasses.dataclass
class ClassificationResult:
    """Class probabilities of one image and the most probable class."""

    label: str
    probability: float
    probabilities: dict

    @property
    def verdict(self) -> str:
        return self.label

    def to_dict(self) -> dict:
        return {
            "task": "classification",
            "verdict": self.verdict,
            "label": self.label,
            "probability": round(self.probability, 5),
            "probabilities": {k: round(v, 5) for k, v in self.probabilities.items()},
        }


@dataclasses.dataclass
class PairResult:
    """MPB3 verdict of one (reference, test) pair: ``ng`` probability against the
    threshold, and the most probable defect type with all type probabilities."""

    ng_probability: float
    is_ng: bool
    defect_class: str
    defect_probability: float
    defect_probabilities: dict

    @property
    def verdict(self) -> str:
        return "ng" if self.is_ng else "ok"

    def to_dict(self) -> dict:
        return {
            "task": "pair_classification",
            "verdict": self.verdict,
            "ng_probability": round(self.ng_probability, 5),
            "defect_class": self.defect_class,
            "defect_probability": round(self.defect_probability, 5),
            "defect_probabilities": {k: round(v, 5) for k, v in self.defect_probabilities.items()},
        }
