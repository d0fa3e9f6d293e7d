"""Synthetic top views of cast pump impellers, ok or defective (casting dataset style).

Grey images like the public casting-product photos: a dark background, the impeller's
outer rim, curved blades, the hub and its bore, sand-cast texture and metallic shading
under a lamp whose angle and gain vary. Defective castings carry one or two of the real
defect kinds: blowholes, pinholes, burrs, shrinkage, cracks and a rough rim.
"""

from __future__ import annotations

import cv2
import numpy as np

DEFECT_KINDS = ("blowhole", "pinhole", "burr", "shrinkage", "crack", "rough_rim")
CLASS_NAMES = ("ok", "def")  # index 1 = defective, as the public folders def_front / ok_front


def render_casting(rng: np.random.Generator, defective: bool, size: int = 128):
    """One (size, size, 3) uint8 grey image and the list of defect kinds drawn on it."""
    s = size / 128.0
    centre = np.array([size / 2, size / 2]) + rng.uniform(-2, 2, 2) * s
    rim_radius = size * rng.uniform(0.40, 0.43)
    hub_radius = size * rng.uniform(0.13, 0.15)
    bore_radius = size * rng.uniform(0.05, 0.06)
    angle0 = rng.uniform(0, 2 * np.pi)
    kinds = []
    if defective:
        count = 1 if rng.random() < 0.7 else 2
        kinds = [str(k) for k in rng.choice(DEFECT_KINDS, size=count, replace=False)]

    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    dx, dy = xx - centre[0], yy - centre[1]
    radius = np.hypot(dx, dy)
    theta = np.arctan2(dy, dx)

    # height map of the part: 0 background, rim and hub raised, blades between
    rim_edge = rim_radius * np.ones_like(theta)
    if "rough_rim" in kinds:
        wobble = sum(
            rng.uniform(0.2, 0.6) * s * np.sin(k * theta + rng.uniform(0, 2 * np.pi))
            for k in rng.integers(15, 40, 4)
        )
        rim_edge = rim_edge + wobble + rng.normal(0, 0.3 * s, theta.shape)
    part = (radius <= rim_edge).astype(np.float32)
    height = 0.55 * part
    height += 0.25 * ((radius > rim_edge - 7 * s) & (radius <= rim_edge))
    blades = rng.integers(6, 9)
    for b in range(blades):
        start = angle0 + 2 * np.pi * b / blades
        points = []
        for t in np.linspace(0, 1, 12):
            r = hub_radius + t * (rim_radius - 6 * s - hub_radius)
            a = start + 0.9 * t  # curved blade
            points.append(centre + r * np.array([np.cos(a), np.sin(a)]))
        blade = np.zeros((size, size), np.uint8)
        cv2.polylines(
            blade,
            [np.round(np.array(points) * 16).astype(np.int32)],
            False,
            255,
            thickness=max(1, int(round(4 * s))),
            lineType=cv2.LINE_AA,
            shift=4,
        )
        height += 0.2 * blade.astype(np.float32) / 255
    height += 0.35 * (radius <= hub_radius) - 0.8 * (radius <= bore_radius)
    height = np.clip(height, 0, 1)

    # metallic shading: lamp direction from the height gradient, plus a radial falloff
    light = rng.uniform(0, 2 * np.pi)
    smooth = cv2.GaussianBlur(height, (0, 0), 1.2 * s)
    gy, gx = np.gradient(smooth)
    shade = 0.5 + 4.0 * (np.cos(light) * gx + np.sin(light) * gy)
    texture = cv2.GaussianBlur(rng.normal(0, 1, (size, size)).astype(np.float32), (0, 0), 0.7)
    grey = part * (0.45 + 0.35 * height + 0.25 * shade + 0.04 * texture)
    grey *= 1.0 - 0.25 * (radius / rim_radius) ** 2
    grey += (1 - part) * (0.12 + 0.03 * texture)
    grey -= 0.35 * (radius <= bore_radius)

    for kind in kinds:
        grey = _draw_defect(rng, kind, grey, centre, hub_radius, rim_radius, s)
    grey = grey * rng.uniform(0.85, 1.15) + rng.normal(0, 0.015, grey.shape)
    image = np.clip(grey * 255, 0, 255).astype(np.uint8)
    return np.repeat(image[..., None], 3, axis=-1), kinds


def _on_part(rng, centre, inner, outer):
    r, a = rng.uniform(inner, outer), rng.uniform(0, 2 * np.pi)
    return centre + r * np.array([np.cos(a), np.sin(a)])


def _draw_defect(rng, kind, grey, centre, hub_radius, rim_radius, s):
    grey = grey.copy()
    if kind == "blowhole":
        for _ in range(rng.integers(1, 4)):
            x, y = _on_part(rng, centre, hub_radius * 1.2, rim_radius - 4 * s)
            r = rng.uniform(2.0, 4.0) * s
            hole = np.zeros_like(grey)
            cv2.circle(hole, (int(x), int(y)), max(1, int(r)), 1.0, -1, cv2.LINE_AA)
            lip = np.zeros_like(grey)
            cv2.circle(lip, (int(x), int(y + r * 0.4)), max(1, int(r)), 1.0, 1, cv2.LINE_AA)
            grey = grey * (1 - 0.75 * hole) + 0.15 * lip
    elif kind == "pinhole":
        for _ in range(rng.integers(8, 20)):
            x, y = _on_part(rng, centre, hub_radius, rim_radius - 2 * s)
            cv2.circle(grey, (int(x), int(y)), max(1, int(0.8 * s)), 0.08, -1, cv2.LINE_AA)
    elif kind == "burr":
        for _ in range(rng.integers(1, 4)):
            a = rng.uniform(0, 2 * np.pi)
            base = centre + rim_radius * np.array([np.cos(a), np.sin(a)])
            tip = centre + (rim_radius + rng.uniform(3, 7) * s) * np.array([np.cos(a), np.sin(a)])
            side = 2.5 * s * np.array([-np.sin(a), np.cos(a)])
            triangle = np.array([base - side, tip, base + side])
            cv2.fillConvexPoly(grey, np.round(triangle).astype(np.int32), 0.85, cv2.LINE_AA)
    elif kind == "shrinkage":
        x, y = _on_part(rng, centre, hub_radius * 1.05, hub_radius * 1.8)
        blob = np.zeros_like(grey)
        for _ in range(rng.integers(4, 9)):
            offset = rng.normal(0, 2.5 * s, 2)
            axes = (max(1, int(rng.uniform(1, 3.5) * s)), max(1, int(rng.uniform(1, 2.5) * s)))
            cv2.ellipse(
                blob,
                (int(x + offset[0]), int(y + offset[1])),
                axes,
                rng.uniform(0, 180),
                0,
                360,
                1.0,
                -1,
                cv2.LINE_AA,
            )
        grey = grey * (1 - 0.6 * cv2.GaussianBlur(blob, (0, 0), 0.8))
    elif kind == "crack":
        point = _on_part(rng, centre, hub_radius * 1.3, rim_radius - 6 * s)
        heading = rng.uniform(0, 2 * np.pi)
        points = [point]
        for _ in range(rng.integers(6, 12)):
            heading += rng.normal(0, 0.5)
            point = point + 2.2 * s * np.array([np.cos(heading), np.sin(heading)])
            points.append(point)
        cv2.polylines(
            grey,
            [np.round(np.array(points) * 16).astype(np.int32)],
            False,
            0.05,
            thickness=1,
            lineType=cv2.LINE_AA,
            shift=4,
        )
    # rough_rim changes the geometry itself (render_casting)
    return grey
