"""Synthetic wafer SEM images: line/space and via patterns with eight defect classes.

Grey secondary-electron-like images: bright pattern edges (edge effect), darker trenches,
shot noise, a slight defocus blur, charging (a bright smear or brightness gradient) and
brightness / contrast drift between images. Classes follow the semiconductor seed:
bridge, clean, cmp_scratch, cracks, ler (line-edge roughness), open, others (particles),
vias (missing, merged or misshapen vias in a via array). A *site* is one place on a wafer;
it may be imaged more than once (small shift, new noise), which makes near-duplicates that
must stay in one split.
"""

from __future__ import annotations

import cv2
import numpy as np

CLASS_NAMES = ("bridge", "clean", "cmp_scratch", "cracks", "ler", "open", "others", "vias")
CLASS_FREQUENCIES = {  # skewed: clean common, cracks and scratches rare
    "bridge": 0.12,
    "clean": 0.32,
    "cmp_scratch": 0.06,
    "cracks": 0.05,
    "ler": 0.12,
    "open": 0.11,
    "others": 0.08,
    "vias": 0.14,
}


def site_layout(rng: np.random.Generator, defect: str) -> dict:
    """The geometry of one site: pattern kind, pitch, orientation, defect placement."""
    vias = defect == "vias" or (defect in ("clean", "others") and rng.random() < 0.3)
    return {
        "defect": defect,
        "pattern": "vias" if vias else "lines",
        "pitch": rng.uniform(9, 14),
        "duty": rng.uniform(0.4, 0.6),
        "vertical": bool(rng.random() < 0.5),
        "phase": rng.uniform(0, 14),
        "defect_seed": int(rng.integers(1 << 31)),
        # imaging conditions of the site's session: charging smear, drift, brightness
        "charging_row": int(rng.integers(0, 96)) if rng.random() < 0.4 else -1,
        "charging": rng.uniform(0.1, 0.25),
        "drift": rng.uniform(-0.15, 0.15),
        "drift_along_x": bool(rng.random() < 0.5),
        "gain": rng.uniform(0.8, 1.2),
        "offset": rng.uniform(-0.05, 0.05),
    }


def render_site(layout: dict, rng: np.random.Generator, size: int = 96) -> np.ndarray:
    """One (size, size) uint8 image of a site. ``rng`` draws what changes between two shots
    of the same site (<= 1 px stage shift, +-3% gain, shot noise), so two calls are
    near-duplicates; the session's charging, drift and brightness belong to the site."""
    pad = 8
    big = size + 2 * pad
    height = np.zeros((big, big), np.float32)  # 1 = pattern (line / via rim), 0 = trench
    defect_rng = np.random.default_rng(layout["defect_seed"])
    if layout["pattern"] == "lines":
        _draw_lines(height, layout, defect_rng)
    else:
        _draw_vias(height, layout, defect_rng)
    defect = layout["defect"]
    if defect == "cracks":
        _polyline(height, defect_rng, big, 0.0, width=2, steps=16, step=4.0, wobble=0.6)
    elif defect == "cmp_scratch":
        angle = defect_rng.uniform(0, np.pi)
        centre = defect_rng.uniform(0.3, 0.7, 2) * big
        direction = np.array([np.cos(angle), np.sin(angle)])
        start, end = centre - direction * big, centre + direction * big
        cv2.line(height, tuple(start.astype(int)), tuple(end.astype(int)), 0.45, 2, cv2.LINE_AA)
    elif defect == "others":
        for _ in range(defect_rng.integers(1, 3)):
            x, y = defect_rng.uniform(pad + 8, big - pad - 8, 2)
            radius = defect_rng.uniform(2.5, 5.0)
            cv2.ellipse(
                height,
                (int(x), int(y)),
                (int(radius * 1.3), int(radius)),
                defect_rng.uniform(0, 180),
                0,
                360,
                1.6,
                -1,
                cv2.LINE_AA,
            )
    # imaging: shift, edge effect, blur, noise, charging, drift
    dx, dy = rng.integers(-1, 2, 2)
    height = height[pad + dy : pad + dy + size, pad + dx : pad + dx + size]
    smooth = cv2.GaussianBlur(height, (0, 0), 0.8)
    gy, gx = np.gradient(smooth)
    edges = np.hypot(gx, gy)
    signal = 0.25 + 0.25 * smooth + 1.6 * edges
    if layout["charging_row"] >= 0:  # charging: a bright smear along the scan direction
        row = layout["charging_row"] * size // 96
        signal[max(0, row - 2) : row + 2] += layout["charging"]
    yy, xx = np.mgrid[0:size, 0:size] / size
    signal *= 1 + layout["drift"] * (xx if layout["drift_along_x"] else yy)
    signal = signal * layout["gain"] * rng.uniform(0.97, 1.03) + layout["offset"]
    signal = cv2.GaussianBlur(signal, (0, 0), 0.6)
    shot = rng.poisson(np.clip(signal, 0, 2) * 40) / 40.0
    return np.clip(shot * 180, 0, 255).astype(np.uint8)


def _draw_lines(height, layout, rng):
    big = height.shape[0]
    pitch, duty = layout["pitch"], layout["duty"]
    roughness = 1.0 if layout["defect"] == "ler" else 0.25
    coords = np.arange(big)
    lines = []
    position = layout["phase"] % pitch - pitch
    while position < big + pitch:
        lines.append(position)
        position += pitch
    for left in lines:
        edge_l = left + _rough(rng, big, roughness)
        edge_r = left + duty * pitch + _rough(rng, big, roughness)
        for y in coords:
            a, b = int(round(edge_l[y])), int(round(edge_r[y]))
            if b > a:
                height[y, max(a, 0) : max(min(b, big), 0)] = 1.0
    defect = layout["defect"]
    inner = [p for p in lines if 16 < p < big - 16 - pitch]
    if defect == "bridge" and inner:
        left = inner[rng.integers(len(inner))]
        y = int(rng.uniform(20, big - 20))
        cv2.rectangle(
            height,
            (int(left + duty * pitch) - 1, y),
            (int(left + pitch) + 1, y + int(rng.uniform(4, 8))),
            1.0,
            -1,
        )
    elif defect == "open" and inner:
        left = inner[rng.integers(len(inner))]
        y = int(rng.uniform(20, big - 20))
        cv2.rectangle(
            height,
            (int(left) - 1, y),
            (int(left + duty * pitch) + 1, y + int(rng.uniform(3, 7))),
            0.0,
            -1,
        )
    if not layout["vertical"]:
        height[:] = height.T.copy()


def _rough(rng, length, amount):
    noise = rng.normal(0, 1, length).astype(np.float32)
    noise = cv2.GaussianBlur(noise[None], (0, 0), 2.0)[0]
    return amount * noise / max(noise.std(), 1e-6)


def _draw_vias(height, layout, rng):
    big = height.shape[0]
    pitch = layout["pitch"] * 1.4
    radius = pitch * layout["duty"] * 0.45
    centres = []
    for y in np.arange(layout["phase"] % pitch, big, pitch):
        for x in np.arange(layout["phase"] % pitch, big, pitch):
            centres.append((x, y))
    broken = set()
    if layout["defect"] == "vias":
        inner = [i for i, (x, y) in enumerate(centres) if 16 < x < big - 16 and 16 < y < big - 16]
        broken = set(rng.choice(inner, size=min(len(inner), rng.integers(1, 3)), replace=False))
    for i, (x, y) in enumerate(centres):
        kind = rng.choice(["missing", "merged", "misshapen"]) if i in broken else "ok"
        if kind == "missing":
            continue
        axes = (int(radius), int(radius))
        if kind == "misshapen":
            axes = (int(radius * 1.6), int(radius * 0.6))
        cv2.ellipse(height, (int(x), int(y)), axes, 0, 0, 360, 1.0, 2, cv2.LINE_AA)
        if kind == "merged":
            cv2.line(
                height, (int(x), int(y)), (int(x + pitch), int(y)), 1.0, int(radius), cv2.LINE_AA
            )


def _polyline(height, rng, big, value, width, steps, step, wobble):
    point = rng.uniform(0.2, 0.8, 2) * big
    heading = rng.uniform(0, 2 * np.pi)
    points = [point]
    for _ in range(steps):
        heading += rng.normal(0, wobble)
        point = point + step * np.array([np.cos(heading), np.sin(heading)])
        points.append(point)
    cv2.polylines(
        height,
        [np.round(np.array(points) * 16).astype(np.int32)],
        False,
        value,
        width,
        cv2.LINE_AA,
        shift=4,
    )
