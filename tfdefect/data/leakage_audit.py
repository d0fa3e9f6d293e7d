"""Data-leakage audit across dataset splits: exact duplicates, near-duplicates, filenames.

A classifier that sees the same wafer site in training and test scores far above what it
does on new data (a public re-implementation of the wafer task: ~96% on its own split,
~25% on fresh images). The audit looks for three kinds of leak between any two splits:

* exact duplicates: identical decoded pixels (SHA-256 of shape + bytes, so re-encoding a
  file does not hide it);
* near-duplicates: perceptual hashes (64-bit DCT pHash) within ``near_threshold`` bits,
  e.g. the same site re-imaged with a small shift and new noise;
* filename collisions: the same file name (without folders) in two splits.

:func:`group_near_duplicates` groups images whose hashes are close, so that a split can keep
each group together.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os

import cv2
import numpy as np


def content_hash(image: np.ndarray) -> str:
    """SHA-256 of an image's shape and pixels."""
    image = np.ascontiguousarray(image)
    return hashlib.sha256(str(image.shape).encode() + image.tobytes()).hexdigest()


def perceptual_hash(image: np.ndarray) -> int:
    """64-bit pHash: the signs of the 8x8 lowest DCT frequencies of a 32x32 grey version
    against their median (hand-written: it is ten lines with OpenCV, while the imagehash
    package would add PyWavelets for it)."""
    image = np.asarray(image)
    if image.ndim == 3:
        image = image.mean(axis=-1) if image.shape[-1] > 1 else image[..., 0]
    small = cv2.resize(image.astype(np.float32), (32, 32), interpolation=cv2.INTER_AREA)
    low = cv2.dct(small)[:8, :8].ravel()
    bits = low > np.median(low[1:])
    return int(np.packbits(bits).view(">u8")[0])


def hamming_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) bit differences between two arrays of 64-bit hashes."""
    xor = a.astype(np.uint64)[:, None] ^ b.astype(np.uint64)[None, :]
    return np.unpackbits(xor.view(np.uint8).reshape(*xor.shape, 8), axis=-1).sum(-1)


@dataclasses.dataclass
class LeakageReport:
    """Offending pairs, each ``{"split_a", "name_a", "split_b", "name_b"}`` (+ ``bits``)."""

    exact_duplicates: list
    near_duplicates: list
    filename_collisions: list
    images: dict
    near_threshold: int

    @property
    def leaks(self) -> int:
        return (
            len(self.exact_duplicates) + len(self.near_duplicates) + len(self.filename_collisions)
        )

    def summary(self, max_pairs: int = 5) -> str:
        lines = [
            "images per split: " + ", ".join(f"{s} {n}" for s, n in self.images.items()),
            f"exact duplicates across splits: {len(self.exact_duplicates)}",
            f"near-duplicates across splits (<= {self.near_threshold} of 64 pHash bits): "
            f"{len(self.near_duplicates)}",
            f"filename collisions across splits: {len(self.filename_collisions)}",
        ]
        for kind in ("exact_duplicates", "near_duplicates", "filename_collisions"):
            for pair in getattr(self, kind)[:max_pairs]:
                lines.append(
                    f"  {kind[:-1].replace('_', ' ')}: {pair['split_a']}/{pair['name_a']} <-> "
                    f"{pair['split_b']}/{pair['name_b']}"
                    + (f" ({pair['bits']} bits)" if "bits" in pair else "")
                )
        return "\n".join(lines)

    def write_json(self, path: str) -> str:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w") as handle:
            json.dump({**dataclasses.asdict(self), "leaks": self.leaks}, handle, indent=2)
        return path


class LeakageError(RuntimeError):
    """Raised by ``audit_splits(..., fail_on_leak=True)`` when a leak is found."""


def audit_splits(
    splits: dict, near_threshold: int = 6, fail_on_leak: bool = False
) -> LeakageReport:
    """Audit ``{split: iterable of (name, image)}`` for leaks between every pair of splits.

    Images are hashed as they stream by (memory: two hashes per image). Near-duplicate
    pairs that are also exact duplicates are reported once, as exact.
    """
    hashes = {}
    for split, items in splits.items():
        names, exact, perceptual = [], [], []
        for name, image in items:
            names.append(str(name))
            exact.append(content_hash(image))
            perceptual.append(perceptual_hash(image))
        hashes[split] = (names, exact, np.array(perceptual, dtype=np.uint64))
    exact_pairs, near_pairs, name_pairs = [], [], []
    order = list(hashes)
    for i, split_a in enumerate(order):
        for split_b in order[i + 1 :]:
            names_a, exact_a, phash_a = hashes[split_a]
            names_b, exact_b, phash_b = hashes[split_b]
            where = {}
            for index, digest in enumerate(exact_b):
                where.setdefault(digest, []).append(index)
            exact_set = set()
            for index_a, digest in enumerate(exact_a):
                for index_b in where.get(digest, []):
                    exact_set.add((index_a, index_b))
                    exact_pairs.append(_pair(split_a, names_a[index_a], split_b, names_b[index_b]))
            if len(phash_a) and len(phash_b):
                distances = hamming_matrix(phash_a, phash_b)
                for index_a, index_b in zip(*np.nonzero(distances <= near_threshold), strict=True):
                    if (index_a, index_b) not in exact_set:
                        pair = _pair(split_a, names_a[index_a], split_b, names_b[index_b])
                        near_pairs.append({**pair, "bits": int(distances[index_a, index_b])})
            base_b = {}
            for name in names_b:
                base_b.setdefault(os.path.basename(name), []).append(name)
            for name in names_a:
                for other in base_b.get(os.path.basename(name), []):
                    name_pairs.append(_pair(split_a, name, split_b, other))
    report = LeakageReport(
        exact_pairs,
        near_pairs,
        name_pairs,
        {s: len(h[0]) for s, h in hashes.items()},
        near_threshold,
    )
    if fail_on_leak and report.leaks:
        raise LeakageError("data leakage between splits:\n" + report.summary())
    return report


def _pair(split_a, name_a, split_b, name_b) -> dict:
    return {"split_a": split_a, "name_a": name_a, "split_b": split_b, "name_b": name_b}


def group_near_duplicates(hashes, near_threshold: int = 6) -> np.ndarray:
    """Group ids (0..G-1) for 64-bit pHashes: images within ``near_threshold`` bits of each
    other, directly or through a chain, share a group (union-find)."""
    hashes = np.asarray(hashes, dtype=np.uint64)
    parent = np.arange(len(hashes))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for start in range(0, len(hashes), 512):  # blocks keep the distance matrix small
        block = hamming_matrix(hashes[start : start + 512], hashes)
        for a, b in zip(*np.nonzero(block <= near_threshold), strict=True):
            ra, rb = root(start + a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([root(i) for i in range(len(hashes))])
    return np.unique(roots, return_inverse=True)[1]


def audit_tfds_builder(builder, image_key="image", name_key="filename", **kwargs):
    """:func:`audit_splits` over every split of a prepared TFDS builder of this library."""
    import tensorflow_datasets as tfds

    def items(split):
        for index, example in enumerate(tfds.as_numpy(builder.as_dataset(split=split))):
            name = example.get(name_key, f"{split}-{index}")
            yield (name.decode() if isinstance(name, bytes) else str(name)), example[image_key]

    return audit_splits({split: items(split) for split in builder.info.splits}, **kwargs)
