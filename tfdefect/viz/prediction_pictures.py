"""One picture per predicted image, for a person to read: detections drawn with class and
score, class maps with a colour legend, anomaly maps on one fixed scale with a colour bar,
class probabilities and pair verdicts in the title."""

from __future__ import annotations

import dataclasses
import os

import cv2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402

_PALETTE = plt.get_cmap("tab10").colors

# pictures are drawn at most this many pixels on their longer side: the memory and time of a
# picture do not grow with the input (a 10000x10000 image is drawn at 1024x1024)
MAX_PICTURE_SIDE = 1024


def _class_colours(count: int) -> list:
    """Black for background (index 0), then distinct colours."""
    return [(0.0, 0.0, 0.0)] + [_PALETTE[(i - 1) % len(_PALETTE)] for i in range(1, count)]


def plot_prediction(display, result, path: str, *, reference=None, map_scale=None) -> str:
    """Write a PNG for one prediction.

    Args:
        display: (H, W, 3) uint8 RGB view of the input image.
        result: a result of ``Predictor.predict`` (detection, segmentation, anomaly,
            classification or pair).
        path: where the PNG goes (folders are made).
        reference: (H, W, 3) uint8 reference view for pair results.
        map_scale: upper end of the anomaly colour scale (same for every image of a run).
    Returns:
        ``path``.

    Images and maps larger than ``MAX_PICTURE_SIDE`` are drawn scaled down to it.
    """
    display, result, reference = bounded_for_picture(display, result, reference)
    kind = type(result).__name__
    panels = 2 if kind in ("SegmentationResult", "AnomalyResult", "PairResult") else 1
    figure, axes = plt.subplots(1, panels, figsize=(4.2 * panels, 4.4), squeeze=False)
    axes = axes[0]
    for axis in axes:
        axis.axis("off")
    if kind == "PairResult":
        axes[0].imshow(reference if reference is not None else np.zeros_like(display))
        axes[0].set_title("reference")
        axes[1].imshow(display)
        title = f"{result.verdict.upper()} (p_ng {result.ng_probability:.2f})"
        if result.is_ng:
            title += f"\n{result.defect_class} {result.defect_probability:.2f}"
        axes[1].set_title(title, color="red" if result.is_ng else "green")
    elif kind == "DetectionResult":
        _draw_detections(axes[0], display, result)
    elif kind == "SegmentationResult":
        axes[0].imshow(display)
        axes[0].set_title("input")
        colours = _class_colours(len(result.class_names))
        axes[1].imshow(
            result.class_map,
            cmap=ListedColormap(colours),
            vmin=-0.5,
            vmax=len(colours) - 0.5,
            interpolation="nearest",
        )
        axes[1].set_title(f"class map: {result.verdict}")
        handles = [
            Patch(color=c, label=f"{n} ({result.pixel_counts.get(n, 0)} px)")
            for n, c in zip(result.class_names, colours, strict=True)
        ]
        axes[1].legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, -0.3), ncol=2)
    elif kind == "AnomalyResult":
        axes[0].imshow(display)
        if result.pred_mask.any():
            axes[0].contour(result.pred_mask, levels=[0.5], colors="white", linewidths=1)
        axes[0].set_title(f"{result.verdict}: score {result.pred_score:.3g}")
        scale = map_scale or float(result.anomaly_map.max()) or 1.0
        shown = axes[1].imshow(result.anomaly_map, cmap="jet", vmin=0.0, vmax=scale)
        axes[1].set_title("anomaly map" + ("" if map_scale else " (own scale)"))
        bar = figure.colorbar(shown, ax=axes[1], fraction=0.046, pad=0.04)
        line = result.map_threshold if result.map_threshold is not None else result.threshold
        if line is not None:
            bar.ax.axhline(line, color="white", linewidth=2)
        bar.set_label("anomaly map (white line: pixel threshold)")
    else:  # ClassificationResult
        axes[0].imshow(display)
        top = sorted(result.probabilities.items(), key=lambda item: -item[1])[:3]
        axes[0].set_title(" | ".join(f"{n} {p:.2f}" for n, p in top))
    figure.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(figure)
    return path


def bounded_for_picture(display, result, reference=None, max_side: int = MAX_PICTURE_SIDE):
    """(display, result, reference) scaled so the longer side is at most ``max_side``:
    images and anomaly maps by area averaging, class maps and masks by nearest neighbour,
    boxes by the same factor. Counts and scores are the result's own (unchanged)."""
    height, width = display.shape[:2]
    factor = max_side / max(height, width)
    if factor >= 1:
        return display, result, reference
    size = (max(1, round(width * factor)), max(1, round(height * factor)))

    def area(values):
        return cv2.resize(values, size, interpolation=cv2.INTER_AREA)

    def nearest(values):
        values = values.view(np.uint8) if values.dtype == bool else values.astype(np.uint8)
        return cv2.resize(values, size, interpolation=cv2.INTER_NEAREST)

    kind = type(result).__name__
    if kind == "SegmentationResult":
        result = dataclasses.replace(result, class_map=nearest(result.class_map))
    elif kind == "AnomalyResult":
        result = dataclasses.replace(
            result,
            anomaly_map=area(result.anomaly_map.astype(np.float32, copy=False)),
            pred_mask=nearest(result.pred_mask) > 0,
        )
    elif kind == "DetectionResult":
        detections = [
            dataclasses.replace(
                d,
                box=tuple(v * factor for v in d.box),
                mask=None if d.mask is None else nearest(d.mask) > 0,
            )
            for d in result.detections
        ]
        result = dataclasses.replace(result, detections=detections, image_size=size[::-1])
    return area(display), result, None if reference is None else area(reference)


def _draw_detections(axis, display, result) -> None:
    axis.imshow(display)
    names = sorted({d.class_name for d in result.detections})
    colours = {n: _PALETTE[i % len(_PALETTE)] for i, n in enumerate(names)}
    overlay = np.zeros((*display.shape[:2], 4))
    for detection in result.detections:
        colour = colours[detection.class_name]
        x1, y1, x2, y2 = detection.box
        axis.add_patch(
            Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=colour, linewidth=1.5)
        )
        axis.text(
            x1,
            max(y1 - 2, 0),
            f"{detection.class_name} {detection.score:.2f}",
            color="white",
            fontsize=7,
            bbox={"facecolor": colour, "alpha": 0.8, "pad": 1, "linewidth": 0},
        )
        if detection.mask is not None:
            overlay[detection.mask] = (*colour, 0.45)
    axis.imshow(overlay)
    axis.set_title(f"{len(result.detections)} detections" if result.detections else "no defects")
