"""Locating the TFDS builders that live in the repository's ``datasets/`` folder."""

from __future__ import annotations

import importlib
import os
import sys

DATASETS_ROOT = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "datasets"
)


def available_datasets() -> list[str]:
    """Names of the builder folders under ``datasets/``."""
    if not os.path.isdir(DATASETS_ROOT):
        return []
    return sorted(
        d
        for d in os.listdir(DATASETS_ROOT)
        if os.path.isfile(os.path.join(DATASETS_ROOT, d, f"{d}_dataset_builder.py"))
    )


def builder_module(name: str):
    """Import ``datasets/<name>/<name>_dataset_builder.py`` and return the module."""
    if name not in available_datasets():
        raise KeyError(f"unknown dataset {name!r}; available: {', '.join(available_datasets())}")
    root = os.path.dirname(DATASETS_ROOT)
    if root not in sys.path:
        sys.path.insert(0, root)
    return importlib.import_module(f"datasets.{name}.{name}_dataset_builder")
