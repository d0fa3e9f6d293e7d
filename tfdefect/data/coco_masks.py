"""COCO mask encodings: run-length (RLE, compressed and not) and polygons <-> binary masks.

Written here rather than importing pycocotools at run time: pycocotools is a test dependency
only (the tests check these functions against it), and the encodings are a few lines each.

COCO's RLE runs go through the mask in column-major order, starting with a run of zeros;
the compressed form writes each run (after the third, as a difference to the run two
before) in 5-bit groups offset by 48 into ASCII.
"""

from __future__ import annotations

import numbers

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
    """Run lengths of a compressed COCO RLE string; ValueError for a character outside the
    encoding or a string that ends inside a number."""
    counts: list[int] = []
    position = 0
    while position < len(text):
        value, shift, more = 0, 0, True
        while more:
            if position == len(text):
                raise ValueError("compressed RLE counts end in the middle of a run")
            chunk = ord(text[position]) - 48
            if not 0 <= chunk < 64:
                raise ValueError(f"compressed RLE counts hold {text[position]!r}, outside '0'..'o'")
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


def _whole_number(value) -> int | None:
    """``value`` as an int when it is a JSON whole number (not a bool), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def rle_size(rle) -> tuple[int, int]:
    """(H, W) of a COCO RLE's ``size``, checked without decoding anything.

    Raises:
        ValueError: not a dict with ``counts``, or ``size`` is not two whole numbers >= 0.
    """
    if not isinstance(rle, dict) or "size" not in rle or "counts" not in rle:
        raise ValueError("RLE needs 'size' [height, width] and 'counts'")
    size = rle["size"]
    dims = [_whole_number(v) for v in size] if isinstance(size, (list, tuple)) else []
    if len(dims) != 2 or any(d is None or d < 0 for d in dims):
        raise ValueError(f"RLE size {size!r:.60} is not [height, width] of whole numbers >= 0")
    return dims[0], dims[1]


def _rle_runs(counts, height: int, width: int) -> list[int]:
    """The run lengths of an RLE's ``counts``, checked to add up to H * W."""
    if isinstance(counts, bytes):
        try:
            counts = counts.decode("ascii")
        except UnicodeDecodeError:
            raise ValueError("compressed RLE counts are not ASCII") from None
    if isinstance(counts, str):
        runs = _decompress(counts)
    elif isinstance(counts, (list, tuple)):
        runs = [_whole_number(c) for c in counts]
        if any(r is None for r in runs):
            raise ValueError("RLE counts must be whole numbers")
    else:
        raise ValueError(f"RLE counts is {type(counts).__name__}, need a string or a list")
    if any(r < 0 for r in runs):
        raise ValueError("RLE counts hold a negative run")
    if sum(runs) != height * width:
        raise ValueError(
            f"RLE runs add up to {sum(runs)}, the size {height}x{width} needs {height * width}"
        )
    return runs


def decode_rle(rle: dict, shape: tuple[int, int] | None = None) -> np.ndarray:
    """(H, W) bool mask of a COCO RLE, compressed (``counts`` a string) or not (a list).

    Everything is checked before the mask is allocated, so a file claiming a huge size is
    refused rather than exhausting memory.

    Args:
        rle: ``{"size": [H, W], "counts": ...}``.
        shape: the (H, W) the mask must have (its image's size), if known.

    Raises:
        ValueError: fields missing or of the wrong type, a size other than ``shape``, or
            runs that are negative or do not add up to H * W.
    """
    height, width = rle_size(rle)
    if shape is not None and (height, width) != tuple(shape):
        raise ValueError(f"RLE size [{height}, {width}], the image is {shape[0]}x{shape[1]}")
    runs = _rle_runs(rle["counts"], height, width)
    values = np.zeros(len(runs), bool)
    values[1::2] = True
    flat = np.repeat(values, runs)
    return flat.reshape((height, width), order="F")


def decode_polygons(polygons, height: int, width: int) -> np.ndarray:
    """(H, W) bool mask of COCO polygons ``[[x1, y1, x2, y2, ...], ...]`` (pixel (x, y)
    covers [x, x + 1) x [y, y + 1); a pixel is in when its centre is, as in pycocotools up to
    edge pixels).

    Raises:
        ValueError: a polygon that is not a flat list of finite numbers, has fewer than 3
            points or an odd number of coordinates.
    """
    if not isinstance(polygons, (list, tuple)):
        raise ValueError(f"polygons are {type(polygons).__name__}, need a list of lists")
    mask = np.zeros((height, width), bool)
    for polygon in polygons:
        points = _polygon_points(polygon)
        left, top = np.clip(np.floor(points.min(0)).astype(int), 0, [width, height])
        right, bottom = np.clip(np.ceil(points.max(0)).astype(int) + 1, 0, [width, height])
        ys, xs = np.mgrid[top:bottom, left:right]
        centres = np.stack([xs.ravel() + 0.5, ys.ravel() + 0.5], axis=1)
        inside = Path(points).contains_points(centres).reshape(ys.shape)
        mask[top:bottom, left:right] |= inside
    return mask


def _is_number(value) -> bool:
    """Whether ``value`` is a real number (not a boolean)."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _polygon_points(polygon) -> np.ndarray:
    """(N, 2) x, y points of one flat polygon ``[x1, y1, x2, y2, ...]``."""
    if isinstance(polygon, np.ndarray):
        polygon = polygon.tolist()
    if not isinstance(polygon, (list, tuple)) or not all(_is_number(v) for v in polygon):
        raise ValueError(f"polygon {polygon!r:.60} is not a flat list of numbers [x1, y1, ...]")
    points = np.asarray(polygon, np.float64)
    if len(points) % 2 or len(points) < 6:
        raise ValueError(
            f"polygon with {len(points)} coordinates: need x, y pairs, at least 3 points"
        )
    if not np.isfinite(points).all():
        raise ValueError("polygon coordinates must be finite numbers")
    return points.reshape(-1, 2)
