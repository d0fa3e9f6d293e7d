"""Synthetic 6-channel chip images with bump, dent and dot defects.

The six channels are consistent views of one chip, in this order (``names.CHANNEL_NAMES``):

* ``height``    3D height map: substrate tilt, raised pads, bumps raise it, dents lower it.
* ``intensity`` 2D reflectance: circuit pattern and pads, shading from the height slope,
                dark drill holes; dots are small dark spots that only show here.
* ``pattern``   the repeating circuit pattern (traces on a fixed pitch).
* ``variance``  local variance of the height map, so bumps and dents light up.
* ``pads``      the pad layout.
* ``drill``     drill holes.

Everything is numpy + OpenCV and seeded, so an example depends only on (seed, split, index).
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from tfdefect.data.instance_masks import mask_box


@dataclasses.dataclass
class ChipSynthesisConfig:
    """Knobs of the chip renderer.

    Attributes:
        image_size: side of the square chip in pixels.
        defect_free_fraction: probability that a chip has no defect at all.
        max_defects: a defective chip carries 1..max_defects defects.
        min_defect_size / max_defect_size: defect diameter range in pixels.
        noise: standard deviation of the sensor noise, in grey levels.
        class_probabilities: relative frequency of bump, dent, dot.
    """

    image_size: int = 224
    defect_free_fraction: float = 0.16
    max_defects: int = 3
    min_defect_size: int = 6
    max_defect_size: int = 20
    noise: float = 4.0
    class_probabilities: tuple[float, float, float] = (0.35, 0.35, 0.30)

    def __post_init__(self):
        if self.image_size < 32:
            raise ValueError(f"image_size must be >= 32, got {self.image_size}")
        if not 0 <= self.defect_free_fraction <= 1:
            raise ValueError("defect_free_fraction must lie in [0, 1]")
        if not 2 <= self.min_defect_size <= self.max_defect_size:
            raise ValueError("need 2 <= min_defect_size <= max_defect_size")


@dataclasses.dataclass
class Chip:
    """One rendered chip.

    Attributes:
        image: (H, W, 6) uint8, channels in ``names.CHANNEL_NAMES`` order.
        semantic_mask: (H, W) uint8, 0 background, 1 bump, 2 dent, 3 dot.
        instance_masks: (N, H, W) bool, one per defect.
        boxes: (N, 4) float32 pixel boxes (ymin, xmin, ymax, xmax), max exclusive.
        labels: (N,) int64 class ids in 1..3.
    """

    image: np.ndarray
    semantic_mask: np.ndarray
    instance_masks: np.ndarray
    boxes: np.ndarray
    labels: np.ndarray


def _to_uint8(x: np.ndarray, low: float, high: float) -> np.ndarray:
    return np.clip((x - low) / (high - low) * 255.0, 0, 255).astype(np.uint8)


def _layout(rng: np.random.Generator, size: int):
    """Pattern, pads and drill holes of one chip, each (size, size) float32 in [0, 1]."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    pitch = rng.uniform(10, 16)
    width = rng.uniform(2, 4)
    angle_mix = rng.integers(0, 2)
    horizontal = ((yy % pitch) < width).astype(np.float32)
    vertical = ((xx % (pitch * 2)) < width).astype(np.float32) * angle_mix
    pattern = np.maximum(horizontal, vertical)

    pads = np.zeros((size, size), np.float32)
    pad_pitch = int(size / rng.integers(4, 7))
    pad_half = max(3, int(pad_pitch * rng.uniform(0.15, 0.25)))
    offset = pad_pitch // 2
    for cy in range(offset, size, pad_pitch):
        for cx in (offset // 2, size - offset // 2):
            cv2.rectangle(
                pads, (cx - pad_half, cy - pad_half), (cx + pad_half, cy + pad_half), 1, -1
            )
    drill = np.zeros((size, size), np.float32)
    for _ in range(rng.integers(1, 4)):
        center = (int(rng.integers(size // 4, 3 * size // 4)), int(rng.integers(8, size - 8)))
        cv2.circle(drill, center, int(rng.integers(3, 7)), 1, -1)
    pattern = pattern * (1 - pads) * (1 - drill)
    return pattern, pads, drill


def _blob(size: int, cy: float, cx: float, radius: float, elongation: float, angle: float):
    """Anisotropic Gaussian blob, (size, size) float32 with peak 1."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    dy, dx = yy - cy, xx - cx
    cos, sin = np.cos(angle), np.sin(angle)
    u = (dx * cos + dy * sin) / (radius * elongation)
    v = (-dx * sin + dy * cos) / (radius / elongation)
    return np.exp(-0.5 * (u * u + v * v) * 4.0).astype(np.float32)


def render_chip(rng: np.random.Generator, config: ChipSynthesisConfig | None = None) -> Chip:
    """Render one chip with its defects and labels (see ``Chip`` for shapes)."""
    config = config or ChipSynthesisConfig()
    size = config.image_size
    pattern, pads, drill = _layout(rng, size)

    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    tilt = rng.uniform(-0.15, 0.15) * xx + rng.uniform(-0.15, 0.15) * yy
    height = 0.3 + tilt + 0.25 * pads + 0.05 * pattern - 0.3 * drill
    dots = np.zeros((size, size), np.float32)

    semantic = np.zeros((size, size), np.uint8)
    masks, labels = [], []
    n_defects = 0
    if rng.random() >= config.defect_free_fraction:
        n_defects = int(rng.integers(1, config.max_defects + 1))
    probabilities = np.asarray(config.class_probabilities, np.float64)
    attempts = 0
    while len(labels) < n_defects and attempts < 50:
        attempts += 1
        label = int(rng.choice(3, p=probabilities / probabilities.sum())) + 1
        diameter = rng.uniform(config.min_defect_size, config.max_defect_size)
        if label == 3:  # dots are small
            diameter = min(diameter, max(config.min_defect_size, config.max_defect_size * 0.5))
        margin = config.max_defect_size
        cy, cx = rng.uniform(margin, size - margin, size=2)
        blob = _blob(size, cy, cx, diameter / 2, rng.uniform(0.8, 1.25), rng.uniform(0, np.pi))
        mask = blob > np.exp(-2.0)  # the blob's support, at most `diameter` across
        if not mask.any() or (semantic[mask] > 0).any() or (drill[mask] > 0).any():
            continue
        if label == 1:
            height += rng.uniform(0.25, 0.45) * blob
        elif label == 2:
            height -= rng.uniform(0.25, 0.45) * blob
        else:
            # a dark spot that covers its mask: flat core, soft edge
            dots = np.maximum(dots, np.clip(blob * 2.0, 0, 1) * rng.uniform(0.6, 0.9))
        semantic[mask] = label
        masks.append(mask)
        labels.append(label)

    height_noisy = height + rng.normal(0, config.noise / 255.0, height.shape).astype(np.float32)
    gy, gx = np.gradient(cv2.GaussianBlur(height, (5, 5), 1.0))
    shading = 0.5 + 4.0 * (gx + gy)
    intensity = 0.35 + 0.3 * pattern + 0.25 * pads + 0.2 * (shading - 0.5)
    intensity = intensity * (1 - 0.7 * drill) * (1 - dots)
    intensity *= rng.uniform(0.85, 1.15)  # lighting
    mean = cv2.blur(height_noisy, (5, 5))
    variance = np.sqrt(np.maximum(cv2.blur(height_noisy**2, (5, 5)) - mean**2, 0))

    channels = [
        _to_uint8(height_noisy, -0.2, 1.2),
        _to_uint8(intensity, 0.0, 1.0),
        _to_uint8(pattern, 0, 1),
        _to_uint8(variance, 0.0, 0.08),
        _to_uint8(pads, 0, 1),
        _to_uint8(drill, 0, 1),
    ]
    image = np.stack(channels, axis=-1).astype(np.float32)
    image += rng.normal(0, config.noise, image.shape)
    image = np.clip(image, 0, 255).astype(np.uint8)

    if masks:
        instance_masks = np.stack(masks).astype(bool)
        boxes = np.asarray([mask_box(m) for m in masks], np.float32)
    else:
        instance_masks = np.zeros((0, size, size), bool)
        boxes = np.zeros((0, 4), np.float32)
    return Chip(image, semantic, instance_masks, boxes, np.asarray(labels, np.int64))


def synthetic_chip_fields(chip: Chip) -> dict:
    """A rendered chip as the example fields of
    ``tfdefect.data.instance_masks.example_from_instances`` (it has no crowd regions)."""
    return {
        "image": chip.image,
        "semantic_mask": chip.semantic_mask,
        "instance_masks": chip.instance_masks,
        "boxes": chip.boxes,
        "labels": chip.labels,
        "is_crowd": np.zeros(len(chip.labels), bool),
    }
