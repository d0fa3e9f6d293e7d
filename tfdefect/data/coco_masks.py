"""COCO mask encodings: run-length (RLE, compressed and not) and polygons <-> binary masks.

Written here rather than importing pycocotools at run time: pycocotools is a test dependency
only (the tests check these functions against it), and the encodings are a few lines each.

COCO's RLE runs go through the mask in column-major order, starting with a run of zeros;
the compressed form writes each run (after the third, as a difference to the run two
before) in 5-bit groups offset by 48 into ASCII.
"""

from __future__ import annotations

import numpy as np
from matplotlib.path import Path


def rle_counts(mask: np.ndarray) -> list[int]:
    """Uncompressed COCO run lengths of an (H, W) binary mask (column-major, zeros first)."""
    flat = np.asarray(mask, bool).ravel(order="F")
    changes = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate([[0], changes, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0]:
        counts = [0, *counts]
    return [int(c) for c in counts]


def _compress(counts: list[int]) -> str:
    characters = []
    for index, count in enumerate(counts):
        value = count - counts[index - 2] if index > 2 else count
        more = True
        while more:
            chunk = value & 0x1F
            value >>= 5  # arithmetic shift, as the C code on a signed long
            more = value != -1 if chunk & 0x10 else value != 0
            if more:
                chunk |= 0x20
            characters.append(chr(chunk + 48))
    return "".join(characters)


def _decompress(text: str) -> list[int]:
    counts: list[int] = []
    position = 0
    while position < len(text):
        value, shift, more = 0, 0, True
        while more:
            chunk = ord(text[position]) - 48
            value |= (chunk & 0x1F) << (5 * shift)
            more = bool(chunk & 0x20)
            position += 1
            shift += 1
            if not more and chunk & 0x10:
                value |= -1 << (5 * shift)
        if len(counts) > 2:
            value += counts[-2]
        counts.append(value)
    return counts


def encode_rle(mask: np.ndarray) -> dict:
    """Compressed COCO RLE ``{"size": [H, W], "counts": str}`` of an (H, W) binary mask."""
    height, width = np.asarray(mask).shape
    return {"size": [int(height), int(width)], "counts": _compress(rle_counts(mask))}


def decode_rle(rle: dict) -> np.ndarray:
    """(H, W) bool mask of a COCO RLE, compressed (``counts`` a string) or not (a list).

    Raises:
        ValueError: the runs do not add up to H * W, or the fields are missing.
    """
    try:
        height, width = (int(v) for v in rle["size"])
        counts = rle["counts"]
    except (KeyError, TypeError, ValueError):
        raise ValueError("RLE needs 'size' [height, width] and 'counts'") from None
    if isinstance(counts, bytes):
        counts = counts.decode("ascii")
    runs = _decompress(counts) if isinstance(counts, str) else [int(c) for c in counts]
    if any(r < 0 for r in runs) or sum(runs) != height * width:
        raise ValueError(
            f"RLE runs add up to {sum(runs)}, the size {height}x{width} needs {height * width}"
        )
    values = np.zeros(len(runs), bool)
    values[1::2] = True
    flat = np.repeat(values, runs)
    return flat.reshape((height, width), order="F")


def decode_polygons(polygons, height: int, width: int) -> np.ndarray:
    """(H, W) bool mask of COCO polygons ``[[x1, y1, x2, y2, ...], ...]`` (pixel (x, y)
    covers [x, x + 1) x [y, y + 1); a pixel is in when its centre is, as in pycocotools up to
    edge pixels).

    Raises:
        ValueError: a polygon with fewer than 3 points or an odd number of coordinates.
    """
    mask = np.zeros((height, width), bool)
    for polygon in polygons:
        points = np.asarray(polygon, np.float64)
        if points.ndim != 1 or len(points) % 2 or len(points) < 6:
            raise ValueError(
                f"polygon with {len(points)} coordinates: need x, y pairs, at least 3 points"
            )
        points = points.reshape(-1, 2)
        left, top = np.clip(np.floor(points.min(0)).astype(int), 0, [width, height])
        right, bottom = np.clip(np.ceil(points.max(0)).astype(int) + 1, 0, [width, height])
        ys, xs = np.mgrid[top:bottom, left:right]
        centres = np.stack([xs.ravel() + 0.5, ys.ravel() + 0.5], axis=1)
        inside = Path(points).contains_points(centres).reshape(ys.shape)
        mask[top:bottom, left:right] |= inside
    return mask
