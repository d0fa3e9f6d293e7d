"""Synthetic SMT component crops: a gold-board reference and a test sample per pair.

A *position* is a component model series (MPB3's sense): its package fixes pads, body,
markings and which defects can happen to it. The reference is the nominal part on the gold
board; a test sample is the same part on an inspected board with in-tolerance variation
(lighting, <= 1 px shift, solder gloss) and possibly one defect.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

DEFECT_CLASSES = (
    "ok",
    "missing",
    "shift",
    "rotation",
    "tombstone",
    "wrong_polarity",
    "solder_bridge",
    "insufficient_solder",
    "damaged",
)


@dataclasses.dataclass(frozen=True)
class Package:
    """Geometry in fractions of the crop side; body colour RGB; pins per long side."""

    body: tuple[float, float]  # width, height
    body_colour: tuple[int, int, int]
    pins: int  # 0 = two end terminals (chips, tombstone possible)
    polarised: bool


POSITIONS = {
    "R0402": Package((0.36, 0.2), (30, 30, 32), 0, False),
    "C0603": Package((0.44, 0.24), (170, 140, 95), 0, False),
    "SOT23": Package((0.34, 0.26), (35, 35, 38), 3, True),
    "SOIC8": Package((0.5, 0.34), (28, 28, 30), 4, True),
    "QFP_corner": Package((0.62, 0.62), (40, 40, 44), 6, True),
    "ECAP": Package((0.5, 0.5), (60, 60, 70), 0, True),
}

# natural frequencies: most pairs are ok, some defects rare; scaled per position below
BASE_FREQUENCIES = {
    "ok": 0.70,
    "missing": 0.05,
    "shift": 0.06,
    "rotation": 0.04,
    "tombstone": 0.03,
    "wrong_polarity": 0.03,
    "solder_bridge": 0.03,
    "insufficient_solder": 0.04,
    "damaged": 0.02,
}


def possible_defects(position: str) -> tuple[str, ...]:
    """Classes that can occur at ``position`` (tombstones need two end terminals, bridges
    need neighbouring pins, polarity needs a polarised part)."""
    package = POSITIONS[position]
    allowed = []
    for name in DEFECT_CLASSES:
        if name == "tombstone" and (package.pins or package.polarised):
            continue
        if name == "solder_bridge" and package.pins < 2:
            continue
        if name == "wrong_polarity" and not package.polarised:
            continue
        allowed.append(name)
    return tuple(allowed)


def class_frequencies(position: str, seed: int = 0) -> dict[str, float]:
    """Per-position class frequencies: base rates times a position-specific factor
    (0.3-3x, fixed by ``seed``), impossible classes removed, normalised."""
    rng = np.random.default_rng([seed, sorted(POSITIONS).index(position)])
    weights = {
        name: BASE_FREQUENCIES[name] * (1.0 if name == "ok" else float(rng.uniform(0.3, 3.0)))
        for name in possible_defects(position)
    }
    total = sum(weights.values())
    return {name: value / total for name, value in weights.items()}


def _rect(centre, size, angle):
    return cv2.boxPoints((tuple(centre), tuple(size), angle)).astype(np.int32)


def render_pair(rng: np.random.Generator, position: str, defect: str, size: int = 64):
    """(reference, test) (size, size, 3) uint8 RGB crops of one position."""
    if defect not in possible_defects(position):
        raise ValueError(f"{defect!r} cannot occur at {position}")
    package = POSITIONS[position]
    reference = _draw(np.random.default_rng(0), package, "ok", size, nominal=True)
    return reference, _draw(rng, package, defect, size, nominal=False)


def _draw(rng, package: Package, defect: str, size: int, nominal: bool):
    image = np.empty((size, size, 3), np.float32)
    image[:] = (45, 100, 50)
    image += cv2.GaussianBlur(rng.normal(0, 1, (size, size)).astype(np.float32), (0, 0), 2)[
        ..., None
    ] * (0 if nominal else 4)
    c = size / 2
    bw, bh = package.body[0] * size, package.body[1] * size
    gloss = 215 if nominal else float(rng.uniform(190, 240))
    pads = []  # (centre, size)
    if package.pins == 0:
        for side in (-1, 1):
            pads.append(((c + side * bw / 2, c), (bw * 0.35, bh * 1.25)))
    else:
        pitch = bw / package.pins
        for i in range(package.pins):
            x = c - bw / 2 + pitch * (i + 0.5)
            for side in (-1, 1):
                pads.append(((x, c + side * (bh / 2 + size * 0.06)), (pitch * 0.5, size * 0.12)))
    for centre, pad in pads:  # bare copper pads
        cv2.fillPoly(image, [_rect(centre, pad, 0)], (180, 150, 90))
    fillet_scale = np.ones(len(pads))
    if defect == "insufficient_solder":
        starved = rng.choice(len(pads), size=max(1, len(pads) // 3), replace=False)
        fillet_scale[starved] = 0.15
    for (centre, pad), scale in zip(pads, fillet_scale, strict=True):
        cv2.fillPoly(image, [_rect(centre, (pad[0] * scale, pad[1] * scale), 0)], (gloss,) * 3)
    if defect == "solder_bridge" and package.pins >= 2:
        i = int(rng.integers(0, package.pins - 1))
        a, b = pads[2 * i][0], pads[2 * i + 2][0]
        cv2.line(image, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), (gloss,) * 3, 3)
    if defect == "missing":
        return _camera(rng, image, nominal)
    centre = np.array([c, c])
    angle = 0.0
    if not nominal:
        centre += rng.uniform(-1, 1, 2)
        angle += float(rng.uniform(-2, 2))
    if defect == "shift":
        centre += rng.choice([-1, 1], 2) * rng.uniform(0.15, 0.3, 2) * np.array([bw, bh])
    if defect == "rotation":
        angle += float(rng.choice([-1, 1]) * rng.uniform(10, 25))
    body_size = (bw, bh)
    if defect == "tombstone":  # one end lifted: the body is seen foreshortened, a shadow
        side = rng.choice([-1, 1])
        centre[0] += side * bw * 0.2
        body_size = (bw * 0.55, bh)
        shadow = _rect(centre - [side * bw * 0.3, -2], (bw * 0.5, bh), angle)
        cv2.fillPoly(image, [shadow], (20, 40, 22))
    cv2.fillPoly(image, [_rect(centre, body_size, angle)], package.body_colour)
    if package.polarised:  # pin-1 dot / polarity band on the left, right if reversed
        side = 1 if defect == "wrong_polarity" else -1
        mark = centre + [side * body_size[0] * 0.3, -body_size[1] * 0.2]
        cv2.circle(image, (int(mark[0]), int(mark[1])), max(2, size // 24), (200, 200, 200), -1)
    if defect == "damaged":
        corner = centre + rng.choice([-1, 1], 2) * np.array(body_size) * 0.4
        crack = np.array(
            [corner, corner + rng.uniform(-8, 8, 2), corner + rng.uniform(-8, 8, 2)], np.int32
        )
        cv2.fillPoly(image, [crack], (110, 100, 90))
        end = corner + rng.uniform(-12, 12, 2)
        cv2.line(image, tuple(int(v) for v in corner), tuple(int(v) for v in end), (90, 85, 80), 1)
    return _camera(rng, image, nominal)


def _camera(rng, image, nominal):
    if not nominal:
        image = image * rng.uniform(0.9, 1.1) + rng.normal(0, 3, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)
