"""Synthetic PCB boards for anomaly detection, with missing and misplaced components.

One board *design* (substrate texture, copper traces, pads, components, silkscreen) is
fixed by ``design_seed``; every rendered image is that design photographed again: lighting
gain and gradient, colour cast, a sub-pixel-to-1-px shift and sensor noise vary. Defective
images remove components (``missing_objects``) or shift and rotate them
(``misplaced_objects``); the mask marks the component's footprint before and after.
This is the aligned, same-product setting PaDiM and MVTec AD assume.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

DEFECT_TYPES = ("missing_objects", "misplaced_objects")


@dataclasses.dataclass
class PcbSynthesisConfig:
    """Knobs of the board renderer.

    Attributes:
        image_size: side of the square board image in pixels.
        design_seed: seed of the board design shared by all images.
        components: number of components on the board.
        max_defects: a defective board has 1..max_defects changed components.
        noise: sensor noise standard deviation in grey levels.
    """

    image_size: int = 224
    design_seed: int = 7
    components: int = 14
    max_defects: int = 2
    noise: float = 3.0

    def __post_init__(self):
        if self.image_size < 64:
            raise ValueError(f"image_size must be >= 64, got {self.image_size}")


@dataclasses.dataclass
class Component:
    centre: tuple[float, float]  # (x, y) pixels
    size: tuple[float, float]  # (width, height) pixels
    angle: float  # degrees
    kind: str  # "chip", "ic", "capacitor"


def _box_points(component: Component) -> np.ndarray:
    return cv2.boxPoints((component.centre, component.size, component.angle)).astype(np.int32)


def make_design(config: PcbSynthesisConfig) -> dict:
    """The fixed parts of the board: background (H, W, 3) float32 and the component list."""
    rng = np.random.default_rng(config.design_seed)
    size = config.image_size
    texture = cv2.GaussianBlur(rng.normal(0, 1, (size, size)).astype(np.float32), (0, 0), 3)
    board = np.empty((size, size, 3), np.float32)
    board[:] = (40, 95, 45)  # solder-mask green (RGB)
    board += texture[..., None] * 6
    copper = (190, 140, 70)
    for _ in range(10):  # traces
        y, x = rng.integers(8, size - 8, 2)
        length = int(rng.integers(size // 4, size // 2))
        end = (
            (min(size - 4, x + length), y) if rng.random() < 0.5 else (x, min(size - 4, y + length))
        )
        cv2.line(board, (int(x), int(y)), (int(end[0]), int(end[1])), copper, 2)
    components = []
    attempts = 0
    occupied = np.zeros((size, size), np.uint8)
    while len(components) < config.components and attempts < 500:
        attempts += 1
        kind = rng.choice(["chip", "chip", "ic", "capacitor"])
        w, h = {"chip": (14, 8), "ic": (30, 22), "capacitor": (18, 18)}[kind]
        scale = size / 224
        w, h = w * scale * rng.uniform(0.9, 1.2), h * scale * rng.uniform(0.9, 1.2)
        centre = (float(rng.uniform(w, size - w)), float(rng.uniform(h, size - h)))
        component = Component(centre, (w, h), float(rng.choice([0.0, 90.0])), str(kind))
        footprint = np.zeros_like(occupied)
        cv2.fillPoly(footprint, [_box_points(_grown(component, 8))], 1)
        if (footprint & occupied).any():
            continue
        occupied |= footprint
        components.append(component)
        pads = _grown(component, 4)  # pads and solder show around the body
        cv2.fillPoly(board, [_box_points(pads)], (205, 205, 200))
        cv2.polylines(board, [_box_points(_grown(component, 7))], True, (235, 235, 230), 1)
    return {"board": board, "components": components}


def _grown(component: Component, margin: float) -> Component:
    w, h = component.size
    return dataclasses.replace(component, size=(w + margin, h + margin))


def _draw_component(image: np.ndarray, component: Component) -> None:
    body = {"chip": (60, 50, 45), "ic": (25, 25, 28), "capacitor": (150, 120, 60)}[component.kind]
    cv2.fillPoly(image, [_box_points(component)], body)
    if component.kind == "ic":  # pin-1 dot
        x, y = component.centre
        cv2.circle(image, (int(x - component.size[0] / 3), int(y)), 2, (200, 200, 200), -1)
    elif component.kind == "capacitor":
        x, y = component.centre
        cv2.circle(image, (int(x), int(y)), int(min(component.size) / 3), (90, 70, 40), -1)


def render_board(rng: np.random.Generator, design: dict, defect: str | None, config):
    """One photograph of the design.

    Args:
        rng: per-image generator.
        design: from ``make_design``.
        defect: None (good) or one of ``DEFECT_TYPES``.

    Returns:
        image (H, W, 3) uint8 RGB and mask (H, W) uint8 (255 on defects, else 0).
    """
    size = config.image_size
    image = design["board"].copy()
    mask = np.zeros((size, size), np.uint8)
    components = list(design["components"])
    changed = set()
    if defect is not None:
        count = int(rng.integers(1, config.max_defects + 1))
        changed = set(rng.choice(len(components), size=count, replace=False).tolist())
    for index, component in enumerate(components):
        if index not in changed:
            _draw_component(image, component)
            continue
        cv2.fillPoly(mask, [_box_points(component)], 255)
        if defect == "missing_objects":
            continue
        if defect != "misplaced_objects":
            raise ValueError(f"unknown defect {defect!r}; valid: {', '.join(DEFECT_TYPES)}")
        shift = rng.uniform(4, 9, 2) * rng.choice([-1, 1], 2) * size / 224
        moved = dataclasses.replace(
            component,
            centre=(component.centre[0] + shift[0], component.centre[1] + shift[1]),
            angle=component.angle + float(rng.uniform(10, 35) * rng.choice([-1, 1])),
        )
        _draw_component(image, moved)
        cv2.fillPoly(mask, [_box_points(moved)], 255)
    # the camera: gain, colour cast, lighting gradient, up to 1 px shift, noise
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    direction = rng.uniform(-1, 1, 2)
    light = 1.0 + 0.08 * (direction[0] * (yy - 0.5) + direction[1] * (xx - 0.5))
    image = image * rng.uniform(0.92, 1.08) * rng.uniform(0.97, 1.03, 3) * light[..., None]
    shift = rng.uniform(-1, 1, 2).astype(np.float32)
    matrix = np.float32([[1, 0, shift[0]], [0, 1, shift[1]]])
    image = cv2.warpAffine(image, matrix, (size, size), borderMode=cv2.BORDER_REFLECT)
    mask = cv2.warpAffine(mask, matrix, (size, size), flags=cv2.INTER_NEAREST)
    image = image + rng.normal(0, config.noise, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), mask
