"""Assign whole groups (sites, near-duplicate clusters) to train / validation / test."""

from __future__ import annotations

import hashlib

SPLITS = ("train", "validation", "test")


def split_of_group(group_key: str, fractions=(0.7, 0.15, 0.15), seed: int = 0) -> str:
    """A stable split for ``group_key``: a hash of the key picks train / validation / test
    with the given fractions, so every member of a group lands in the same split and adding
    data never moves existing groups."""
    if abs(sum(fractions) - 1.0) > 1e-6:
        raise ValueError(f"split fractions must sum to 1, got {fractions}")
    digest = hashlib.sha1(f"{seed}:{group_key}".encode()).hexdigest()
    position = int(digest[:8], 16) / 0x100000000
    cumulative = 0.0
    for split, fraction in zip(SPLITS, fractions, strict=True):
        cumulative += fraction
        if position < cumulative:
            return split
    return SPLITS[-1]
