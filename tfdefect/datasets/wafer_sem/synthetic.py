"""Synthetic wafer SEM images: line/space and via patterns with eight defect classes.

Grey secondary-electron-like images: bright pattern edges (edge effect), darker trenches,
shot noise, a slight defocus blur, charging (a bright smear or brightness gradient) and
brightness / contrast drift between images. Classes follow the wafer SEM report:
bridge, clean, cmp_scratch, cracks, ler (line-edge roughness), open, others (particles),
vias (missing, merged or misshapen vias in a via array). A *site* is one place on a wafer;
it may be imaged more than once (small shift, new noise), which makes near-duplicates that
must stay in one split.

Geometry is in layout units of a 96 px field (pitch 9-14 units, defects a few units): an
image of any side shows the same field of view, every length scaled by ``size / 96``, so
a 224 px image (the default) is the 96 px site drawn sharper, defects the same size
relative to the pattern; at ``size=96`` the units are pixels.
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


FIELD = 96  # side of the field of view in layout units: 1 unit = 1 px at size 96
PAD = 8  # margin drawn around the field (stage shift, blur), in layout units
CANVAS = FIELD + 2 * PAD  # the drawn area in layout units


def site_layout(rng: np.random.Generator, defect: str) -> dict:
    """The geometry of one site in layout units (a 96-unit field): pattern kind, pitch,
    orientation, defect placement, and the site's imaging conditions."""
    vias = defect == "vias" or (defect in ("clean", "others") and rng.random() < 0.3)
    return {
        "defect": defect,
        "pattern": "vias" if vias else "lines",
        "pitch": rng.uniform(9, 14),
        "duty": rng.uniform(0.4, 0.6),
        "vertical": bool(rng.random() < 0.5),
        "phase": rng.uniform(0, 14),
        "defect_seed": int(rng.integers(1 << 31)),
        # the site's imaging conditions: charging smear, drift, brightness
        "charging_row": int(rng.integers(0, FIELD)) if rng.random() < 0.4 else -1,
        "charging": rng.uniform(0.1, 0.25),
        "drift": rng.uniform(-0.15, 0.15),
        "drift_along_x": bool(rng.random() < 0.5),
        "gain": rng.uniform(0.8, 1.2),
        "offset": rng.uniform(-0.05, 0.05),
    }


class _Grid:
    """Layout units -> canvas pixels at one image side. At size 96 every mapping is the
    identity, so a 96 px image is drawn exactly as it always was."""

    def __init__(self, size: int):
        self.scale = size / FIELD
        self.pad = int(round(PAD * self.scale))
        self.big = size + 2 * self.pad
        self.offset = self.pad - PAD * self.scale  # canvas px of layout coordinate 0
        self.unit = self.scale == 1

    def edge(self, u):
        """A pixel boundary: layout coordinate u (a float or an array) in canvas px."""
        return u if self.unit else u * self.scale + self.offset

    def point(self, u):
        """An OpenCV point (pixel centre): layout coordinate u in canvas px."""
        return u if self.unit else (u + 0.5) * self.scale - 0.5 + self.offset

    def centre(self, x, y) -> tuple[int, int]:
        """The OpenCV point of the layout pixel (int(x), int(y))."""
        return tuple(int(round(self.point(int(v)))) for v in (x, y))

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Pixels first..last (inclusive, layout units) as inclusive canvas pixels covering
        no more than they do at 96 px (but at least one pixel, on very small sides)."""
        if self.unit:
            return first, last
        start = int(np.ceil(self.edge(first) - 1e-6))
        return start, max(start, int(np.floor(self.edge(last + 1) + 1e-6)) - 1)  # >= 1 px

    def axis(self, a: int) -> int:
        """A filled shape's semi-axis: 2a+1 layout pixels wide at 96 px, never wider here."""
        return a if self.unit else int(((2 * a + 1) * self.scale - 1) / 2)

    def length(self, u) -> int:
        """A radius in whole canvas px, never longer than at 96 px."""
        return int(u) if self.unit else int(int(u) * self.scale)

    def width(self, u) -> int:
        """A stroke width or thickness in canvas px (rounded, at least 1)."""
        return max(1, int(round(u * self.scale)))


def render_site(layout: dict, rng: np.random.Generator, size: int = 224) -> np.ndarray:
    """One (size, size) uint8 image of a site. The geometry is in units of a 96 px field and
    scales with ``size``: every side shows the same field of view with the same pattern and
    defects (the same layout renders the same site at 96 and 224 px, only sharper). ``rng``
    draws what changes between two shots of the same site (a stage shift of <= 1 unit,
    +-3% gain, shot noise), so two calls are near-duplicates; the charging, drift and
    brightness of the imaging conditions belong to the site."""
    grid = _Grid(size)
    big, pad, scale = grid.big, grid.pad, grid.scale
    height = np.zeros((big, big), np.float32)  # 1 = pattern (line / via rim), 0 = trench
    defect_rng = np.random.default_rng(layout["defect_seed"])
    if layout["pattern"] == "lines":
        _draw_lines(height, layout, defect_rng, grid)
    else:
        _draw_vias(height, layout, defect_rng, grid)
    defect = layout["defect"]
    if defect == "cracks":
        _polyline(height, defect_rng, grid, 0.0, width=2, steps=16, step=4.0, wobble=0.6)
    elif defect == "cmp_scratch":
        angle = defect_rng.uniform(0, np.pi)
        centre = defect_rng.uniform(0.3, 0.7, 2) * CANVAS
        direction = np.array([np.cos(angle), np.sin(angle)])
        start, end = centre - direction * CANVAS, centre + direction * CANVAS
        start, end = (np.round(grid.point(p.astype(int))).astype(int) for p in (start, end))
        cv2.line(height, tuple(start), tuple(end), 0.45, grid.width(2), cv2.LINE_AA)
    elif defect == "others":
        for _ in range(defect_rng.integers(1, 3)):
            x, y = defect_rng.uniform(PAD + 8, CANVAS - PAD - 8, 2)
            radius = defect_rng.uniform(2.5, 5.0)
            cv2.ellipse(
                height,
                grid.centre(x, y),
                (grid.axis(int(radius * 1.3)), grid.axis(int(radius))),
                defect_rng.uniform(0, 180),
                0,
                360,
                1.6,
                -1,
                cv2.LINE_AA,
            )
    # imaging: shift, edge effect, blur, noise, charging, drift
    dx, dy = (int(round(d * scale)) for d in rng.integers(-1, 2, 2))
    height = height[pad + dy : pad + dy + size, pad + dx : pad + dx + size]
    smooth = cv2.GaussianBlur(height, (0, 0), 0.8 * scale)
    gy, gx = np.gradient(smooth)
    edges = np.hypot(gx, gy)  # per pixel; per layout unit below, so edges keep their glow
    if not grid.unit:
        edges *= scale
    signal = 0.25 + 0.25 * smooth + 1.6 * edges
    if layout["charging_row"] >= 0:  # charging: a bright smear along the scan direction
        row, half = layout["charging_row"] * size // FIELD, grid.width(2)
        signal[max(0, row - half) : row + half] += layout["charging"]
    yy, xx = np.mgrid[0:size, 0:size] / size
    signal *= 1 + layout["drift"] * (xx if layout["drift_along_x"] else yy)
    signal = signal * layout["gain"] * rng.uniform(0.97, 1.03) + layout["offset"]
    signal = cv2.GaussianBlur(signal, (0, 0), 0.6 * scale)
    # shot noise per pixel (40 electrons at signal 1): the same grain per pixel at any side
    shot = rng.poisson(np.clip(signal, 0, 2) * 40) / 40.0
    return np.clip(shot * 180, 0, 255).astype(np.uint8)


def _draw_lines(height, layout, rng, grid):
    big = grid.big
    pitch, duty = layout["pitch"], layout["duty"]
    roughness = 1.0 if layout["defect"] == "ler" else 0.25
    lines = []
    position = layout["phase"] % pitch - pitch
    while position < CANVAS + pitch:
        lines.append(position)
        position += pitch
    columns = np.arange(big)
    for left in lines:
        edge_l = grid.edge(left) + _rough(rng, roughness, grid)
        edge_r = grid.edge(left + duty * pitch) + _rough(rng, roughness, grid)
        a = np.round(edge_l).astype(np.int64)[:, None]  # row y: columns a..b-1 are line
        b = np.round(edge_r).astype(np.int64)[:, None]
        height[(columns >= a) & (columns < b)] = 1.0
    defect = layout["defect"]
    inner = [p for p in lines if 16 < p < CANVAS - 16 - pitch]
    if defect == "bridge" and inner:
        left = inner[rng.integers(len(inner))]
        y = int(rng.uniform(20, CANVAS - 20))
        x0, x1 = grid.span(int(left + duty * pitch) - 1, int(left + pitch) + 1)
        y0, y1 = grid.span(y, y + int(rng.uniform(4, 8)))
        cv2.rectangle(height, (x0, y0), (x1, y1), 1.0, -1)
    elif defect == "open" and inner:
        left = inner[rng.integers(len(inner))]
        y = int(rng.uniform(20, CANVAS - 20))
        x0, x1 = grid.span(int(left) - 1, int(left + duty * pitch) + 1)
        y0, y1 = grid.span(y, y + int(rng.uniform(3, 7)))
        cv2.rectangle(height, (x0, y0), (x1, y1), 0.0, -1)
    if not layout["vertical"]:
        height[:] = height.T.copy()


def _rough(rng, amount, grid):
    """One line edge's wander along the canvas rows, in canvas px: drawn over the layout's
    CANVAS rows (so the same numbers are drawn at any side), then resampled."""
    noise = rng.normal(0, 1, CANVAS).astype(np.float32)
    noise = cv2.GaussianBlur(noise[None], (0, 0), 2.0)[0]
    noise = amount * noise / max(noise.std(), 1e-6)
    if grid.unit:
        return noise
    rows = (np.arange(grid.big) + 0.5 - grid.offset) / grid.scale - 0.5  # in layout units
    return (np.interp(rows, np.arange(CANVAS), noise) * grid.scale).astype(np.float32)


def _draw_vias(height, layout, rng, grid):
    pitch = layout["pitch"] * 1.4
    radius = pitch * layout["duty"] * 0.45
    centres = []
    for y in np.arange(layout["phase"] % pitch, CANVAS, pitch):
        for x in np.arange(layout["phase"] % pitch, CANVAS, pitch):
            centres.append((x, y))
    broken = set()
    if layout["defect"] == "vias":
        inner = [
            i for i, (x, y) in enumerate(centres) if 16 < x < CANVAS - 16 and 16 < y < CANVAS - 16
        ]
        broken = set(rng.choice(inner, size=min(len(inner), rng.integers(1, 3)), replace=False))
    for i, (x, y) in enumerate(centres):
        kind = rng.choice(["missing", "merged", "misshapen"]) if i in broken else "ok"
        if kind == "missing":
            continue
        axes = (grid.length(radius), grid.length(radius))
        if kind == "misshapen":
            axes = (grid.length(radius * 1.6), grid.length(radius * 0.6))
        centre = grid.centre(x, y)
        cv2.ellipse(height, centre, axes, 0, 0, 360, 1.0, grid.width(2), cv2.LINE_AA)
        if kind == "merged":
            cv2.line(
                height,
                centre,
                grid.centre(x + pitch, y),
                1.0,
                grid.width(int(radius)),
                cv2.LINE_AA,
            )


def _polyline(height, rng, grid, value, width, steps, step, wobble):
    point = rng.uniform(0.2, 0.8, 2) * CANVAS
    heading = rng.uniform(0, 2 * np.pi)
    points = [point]
    for _ in range(steps):
        heading += rng.normal(0, wobble)
        point = point + step * np.array([np.cos(heading), np.sin(heading)])
        points.append(point)
    cv2.polylines(
        height,
        [np.round(grid.point(np.array(points)) * 16).astype(np.int32)],
        False,
        value,
        grid.width(width),
        cv2.LINE_AA,
        shift=4,
    )
